using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Accounts;

/// <summary>The outcome of validating a token: the user, or the business code of the refusal (10004 / 10005).</summary>
public readonly record struct TokenCheck(AuthenticatedUser? User, int ErrorCode, string? Detail, long MeetingId)
{
    public bool IsValid => User is not null;
}

/// <summary>
/// Issues and validates the HS256 JWTs of the specification (claims user_id, username, email, iat, exp, nbf,
/// iss "meeting-system", sub). Access tokens authenticate REST calls, the signaling socket and TCP REGISTER;
/// meeting session tokens (issued by join) authenticate only the signaling socket of one meeting.
/// Thread-safe.
/// </summary>
public sealed class TokenService
{
    private const string UseClaim = "token_use";
    private const string AccessUse = "access";
    private const string SessionUse = "meeting_session";
    private const string MeetingClaim = "meeting_id";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false, MapInboundClaims = false };
    private readonly SigningCredentials _credentials;
    private readonly TokenValidationParameters _parameters;
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;

    public TokenService(JwtKeyProvider keys, IOptions<AuthOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        var key = new SymmetricSecurityKey(keys.Key);
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidIssuer = _options.Issuer,
            ValidateIssuer = true,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(_options.ClockSkewSeconds),
            LifetimeValidator = null,
        };
    }

    public int AccessTokenSeconds => _options.AccessTokenSeconds;

    public string IssueAccessToken(AuthenticatedUser user) =>
        Issue(user, AccessUse, 0, TimeSpan.FromSeconds(_options.AccessTokenSeconds));

    /// <summary>A short-lived token that admits <paramref name="user"/> to the signaling socket of one meeting.</summary>
    public string IssueMeetingSessionToken(AuthenticatedUser user, long meetingId, TimeSpan lifetime) =>
        Issue(user, SessionUse, meetingId, lifetime);

    public Task<TokenCheck> ValidateAccessTokenAsync(string token) => ValidateAsync(token, AccessUse);

    /// <summary>Accepts an access token, or a session token for <paramref name="meetingId"/>.</summary>
    public async Task<TokenCheck> ValidateForMeetingAsync(string token, long meetingId)
    {
        var check = await ValidateAsync(token, null);
        if (check.IsValid && check.MeetingId != 0 && check.MeetingId != meetingId)
        {
            return new TokenCheck(null, ErrorCodes.TokenInvalid, "The session token belongs to another meeting.", 0);
        }
        return check;
    }

    private string Issue(AuthenticatedUser user, string use, long meetingId, TimeSpan lifetime)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [AuthenticatedUser.UserIdClaim] = user.UserId,
            [AuthenticatedUser.UsernameClaim] = user.Username,
            [AuthenticatedUser.EmailClaim] = user.Email,
            [JwtRegisteredClaimNames.Sub] = user.UserId.ToString(CultureInfo.InvariantCulture),
            [UseClaim] = use,
        };
        if (meetingId != 0)
        {
            claims[MeetingClaim] = meetingId;
        }
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = _credentials,
        });
    }

    private async Task<TokenCheck> ValidateAsync(string token, string? requiredUse)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 8192)
        {
            return new TokenCheck(null, ErrorCodes.TokenInvalid, "The token is malformed.", 0);
        }
        var parameters = _parameters.Clone();
        parameters.LifetimeValidator = LifetimeAt(_time.GetUtcNow().UtcDateTime);
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            return result.Exception is SecurityTokenExpiredException
                ? new TokenCheck(null, ErrorCodes.TokenExpired, "The token has expired.", 0)
                : new TokenCheck(null, ErrorCodes.TokenInvalid, "The token is not valid.", 0);
        }
        var claims = result.Claims;
        var use = claims.TryGetValue(UseClaim, out var u) ? u as string : null;
        if (requiredUse is not null && use != requiredUse)
        {
            return new TokenCheck(null, ErrorCodes.TokenInvalid, "This token cannot be used here.", 0);
        }
        if (!TryLong(claims, AuthenticatedUser.UserIdClaim, out var userId) || userId <= 0)
        {
            return new TokenCheck(null, ErrorCodes.TokenInvalid, "The token has no user.", 0);
        }
        TryLong(claims, MeetingClaim, out var meetingId);
        var user = new AuthenticatedUser(
            userId,
            claims.TryGetValue(AuthenticatedUser.UsernameClaim, out var name) ? name as string ?? "" : "",
            claims.TryGetValue(AuthenticatedUser.EmailClaim, out var email) ? email as string ?? "" : "");
        return new TokenCheck(user, 0, null, use == SessionUse ? meetingId : 0);
    }

    // The handler's own lifetime check reads the wall clock; ours reads TimeProvider so tests can move time.
    private static LifetimeValidator LifetimeAt(DateTime now) => (notBefore, expires, _, parameters) =>
    {
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiry.");
        }
        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.");
        }
        if (expires.Value < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.");
        }
        return true;
    };

    private static bool TryLong(IDictionary<string, object> claims, string name, out long value)
    {
        value = 0;
        if (!claims.TryGetValue(name, out var raw))
        {
            return false;
        }
        switch (raw)
        {
            case long l: value = l; return true;
            case int i: value = i; return true;
            case string s: return long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
            default: return long.TryParse(Convert.ToString(raw, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }
    }
}
