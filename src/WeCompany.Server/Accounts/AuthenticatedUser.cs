using System.Security.Claims;

namespace WeCompany.Server.Accounts;

/// <summary>The identity a validated access token proves.</summary>
public sealed record AuthenticatedUser(long UserId, string Username, string Email)
{
    public const string UserIdClaim = "user_id";
    public const string UsernameClaim = "username";
    public const string EmailClaim = "email";

    /// <summary>Reads the user back from the principal our authentication handler built.</summary>
    public static AuthenticatedUser? From(ClaimsPrincipal principal)
    {
        var id = principal.FindFirst(UserIdClaim)?.Value;
        if (id is null || !long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var userId))
        {
            return null;
        }
        return new AuthenticatedUser(userId, principal.FindFirst(UsernameClaim)?.Value ?? "", principal.FindFirst(EmailClaim)?.Value ?? "");
    }

    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(UserIdClaim, UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(UsernameClaim, Username),
                new Claim(EmailClaim, Email),
            ],
            scheme, UsernameClaim, null);
        return new ClaimsPrincipal(identity);
    }
}
