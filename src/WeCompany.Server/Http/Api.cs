using System.Text.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Http;

/// <summary>Builds the REST envelopes as <see cref="IResult"/>s.</summary>
public static class Api
{
    public static IResult Ok<T>(T data) => new EnvelopeResult<T>(200, data);

    public static IResult Created<T>(T data) => new EnvelopeResult<T>(201, data);

    public static IResult Error(ApiError error) => new ErrorResult(error, null);

    public static IResult Error(ApiError error, TimeSpan retryAfter) => new ErrorResult(error, retryAfter);

    /// <summary>Writes the error envelope straight to a response (middleware and handlers outside endpoints).</summary>
    public static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsJsonAsync(error.ToEnvelope(), WireJson.Options, "application/json; charset=utf-8", context.RequestAborted);
    }

    private sealed class EnvelopeResult<T>(int status, T data) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            var envelope = new ApiResponse<T>(status, "success", data, DateTimeOffset.UtcNow);
            return httpContext.Response.WriteAsJsonAsync(envelope, WireJson.Options, httpContext.RequestAborted);
        }
    }

    private sealed class ErrorResult(ApiError error, TimeSpan? retryAfter) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => error.Status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfter is { } wait)
            {
                httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return WriteErrorAsync(httpContext, error);
        }
    }
}
