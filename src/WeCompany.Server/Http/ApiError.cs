using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Http;

/// <summary>
/// An error answer: the HTTP status, the envelope's <c>error.type</c>, our business code, a short message and
/// details for the caller. Services return these as values; endpoints turn them into the error envelope.
/// </summary>
public sealed record ApiError(int Status, string Type, int Code, string Message, string? Details = null)
{
    public static ApiError Validation(string details) =>
        new(400, "ValidationError", ErrorCodes.ValidationFailed, "Invalid request", details);

    public static ApiError Unauthorized(int code, string details) =>
        new(401, "AuthenticationError", code, "Unauthorized", details);

    public static ApiError Forbidden(int code, string details) =>
        new(403, "PermissionDenied", code, "Forbidden", details);

    public static ApiError NotFound(int code, string details) =>
        new(404, "NotFound", code, "Not found", details);

    public static ApiError Conflict(int code, string details) =>
        new(409, "Conflict", code, "Conflict", details);

    public static ApiError TooManyRequests(int code, string details) =>
        new(429, "RateLimited", code, "Too many requests", details);

    public static ApiError ServerError(string details) =>
        new(500, "InternalError", ErrorCodes.InternalError, "Internal server error", details);

    /// <summary>The error envelope for a framework-produced status with no body of its own.</summary>
    public static ApiError ForStatus(int status) => status switch
    {
        400 => new(400, "BadRequest", ErrorCodes.MalformedBody, "Invalid request", "The request could not be understood."),
        401 => Unauthorized(ErrorCodes.TokenMissing, "Authentication is required."),
        403 => Forbidden(ErrorCodes.Forbidden, "You are not allowed to do this."),
        404 => NotFound(ErrorCodes.RouteNotFound, "No such resource."),
        405 => new(405, "MethodNotAllowed", ErrorCodes.MethodNotAllowed, "Method not allowed", "This resource does not accept that method."),
        413 => new(413, "PayloadTooLarge", ErrorCodes.PayloadTooLarge, "Payload too large", "The request body is over the size limit."),
        415 => new(415, "UnsupportedMediaType", ErrorCodes.UnsupportedMediaType, "Unsupported media type", "Send the body as application/json."),
        429 => TooManyRequests(ErrorCodes.RateLimited, "Too many requests; retry later."),
        503 => new(503, "ServiceUnavailable", ErrorCodes.ServiceUnavailable, "Service unavailable", "The service is not ready."),
        >= 500 => ServerError("The server failed to handle the request."),
        _ => new(status, "Error", ErrorCodes.ValidationFailed, "Request failed", null),
    };

    public ApiErrorResponse ToEnvelope() => new(Status, Message, new ApiErrorBody(Type, Code, Details), DateTimeOffset.UtcNow);
}
