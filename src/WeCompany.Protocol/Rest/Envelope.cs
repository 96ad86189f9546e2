using System.Text.Json.Serialization;

namespace WeCompany.Protocol.Rest;

/// <summary>The success envelope of every REST answer: <c>{code, message, data, timestamp}</c>.</summary>
public sealed record ApiResponse<T>(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("data")] T Data,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp);

/// <summary>The error envelope: <c>{code: HTTP status, message, error: {type, code, details}, timestamp}</c>.</summary>
public sealed record ApiErrorResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("error")] ApiErrorBody Error,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp);

/// <summary>The <c>error</c> member: a type name, our business code, and human-readable details.</summary>
public sealed record ApiErrorBody(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("details")] string? Details);

/// <summary>The pagination shape: the list under its own name plus total, page, page_size, total_pages.</summary>
public sealed record Page<T>(
    [property: JsonPropertyName("items")] IReadOnlyList<T> Items,
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("page")] int PageNumber,
    [property: JsonPropertyName("page_size")] int PageSize,
    [property: JsonPropertyName("total_pages")] int TotalPages);
