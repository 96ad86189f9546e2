namespace WeCompany.Server.Http;

/// <summary>A service's answer: a value, or the <see cref="ApiError"/> to send (with an optional Retry-After).</summary>
public readonly struct Result<T>
{
    public Result(T value)
    {
        Value = value;
    }

    public Result(ApiError error, TimeSpan? retryAfter = null)
    {
        Error = error;
        RetryAfter = retryAfter;
        Value = default!;
    }

    public T Value { get; }

    public ApiError? Error { get; }

    public TimeSpan? RetryAfter { get; }

    public bool IsSuccess => Error is null;

    public static implicit operator Result<T>(T value) => new(value);

    public static implicit operator Result<T>(ApiError error) => new(error);

    /// <summary>The envelope: 200 (or <paramref name="successStatus"/>) with the value, or the error.</summary>
    public IResult ToHttp(int successStatus = 200)
    {
        if (Error is not null)
        {
            return RetryAfter is { } wait ? Api.Error(Error, wait) : Api.Error(Error);
        }
        if (Value is Nothing)
        {
            return Api.Ok<object?>(null);
        }
        return successStatus == 201 ? Api.Created(Value) : Api.Ok(Value);
    }
}

/// <summary>The value of an operation that answers no data (<c>"data": null</c>).</summary>
public readonly record struct Nothing;
