using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;

namespace WeCompany.Server.Accounts;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;access token&gt;</c>. A refusal answers 401 in the error envelope
/// with 10004 (invalid), 10005 (expired) or 10011 (missing); a forbidden action answers 403.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    private const string FailureKey = "wecompany.auth.failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (header.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }
        var value = header.ToString();
        if (header.Count != 1 || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || value.Length <= 7)
        {
            return Fail(ErrorCodes.TokenInvalid, "The Authorization header must be 'Bearer <token>'.");
        }
        var check = await tokens.ValidateAccessTokenAsync(value[7..].Trim());
        if (!check.IsValid)
        {
            return Fail(check.ErrorCode, check.Detail ?? "The token is not valid.");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(check.User!.ToPrincipal(SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var error = Context.Items[FailureKey] as ApiError
            ?? ApiError.Unauthorized(ErrorCodes.TokenMissing, "Authentication is required: send 'Authorization: Bearer <token>'.");
        Response.Headers.WWWAuthenticate = "Bearer";
        return Api.WriteErrorAsync(Context, error);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Api.WriteErrorAsync(Context, ApiError.Forbidden(ErrorCodes.Forbidden, "You are not allowed to do this."));

    private AuthenticateResult Fail(int code, string detail)
    {
        Context.Items[FailureKey] = ApiError.Unauthorized(code, detail);
        return AuthenticateResult.Fail(detail);
    }
}
