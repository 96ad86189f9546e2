using System.Security.Claims;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Accounts;

namespace WeCompany.Server.Http;

public static class HttpContextExtensions
{
    /// <summary>The caller's address as the throttles see it (the forwarded-headers middleware has already applied trusted proxies).</summary>
    public static string ClientAddress(this HttpContext context) =>
        context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>The authenticated user's id; endpoints that call this require authorization.</summary>
    public static long UserId(this ClaimsPrincipal principal) =>
        AuthenticatedUser.From(principal)?.UserId ?? throw new InvalidOperationException("The endpoint requires an authenticated user.");

    /// <summary>The authenticated user; endpoints that call this require authorization.</summary>
    public static AuthenticatedUser Identity(this ClaimsPrincipal principal) =>
        AuthenticatedUser.From(principal) ?? throw new InvalidOperationException("The endpoint requires an authenticated user.");

    /// <summary>
    /// Reads an optional JSON body: default when there is none; a body that is not JSON, or malformed, becomes the
    /// framework's 415 or 400 (ErrorHandling turns them into the envelope, as for bound bodies).
    /// </summary>
    public static async Task<T?> ReadOptionalJsonAsync<T>(this HttpContext context, CancellationToken ct)
    {
        if (context.Request.ContentLength is null or 0 && context.Request.Headers.TransferEncoding.Count == 0)
        {
            return default;
        }
        if (!context.Request.HasJsonContentType())
        {
            throw new BadHttpRequestException("Send the body as application/json.", StatusCodes.Status415UnsupportedMediaType);
        }
        try
        {
            return await context.Request.ReadFromJsonAsync<T>(Protocol.WireJson.Options, ct);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new BadHttpRequestException("The JSON body is malformed.", StatusCodes.Status400BadRequest, e);
        }
    }

    /// <summary>Declares the error envelope for each status in the OpenAPI document.</summary>
    public static RouteHandlerBuilder ProducesApiErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<ApiErrorResponse>(status);
        }
        return builder.Produces<ApiErrorResponse>(500);
    }
}
