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
