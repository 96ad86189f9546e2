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
            // Lifetime is checked by us against TimeProvider (tests move time; the handler reads the wall clock).
            ValidateLifetime = false,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(_options.ClockSkewSeconds),
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
        var now = _time.GetUtcNow().UtcDateTime;
        if (_cache.TryGetValue(token, out var cached))
        {
            return CheckCached(cached, requiredUse, now);
        }
        var result = await _handler.ValidateTokenAsync(token, _parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return new TokenCheck(null, ErrorCodes.TokenInvalid, "The token is not valid.", 0);
        }
        var claims = result.Claims;
        var use = claims.TryGetValue(UseClaim, out var u) ? u as string : null;
        if (!TryLong(claims, AuthenticatedUser.UserIdClaim, out var userId) || userId <= 0)
        {
            return new TokenCheck(null, ErrorCodes.TokenInvalid, "The token has no user.", 0);
        }
        TryLong(claims, MeetingClaim, out var meetingId);
        var user = new AuthenticatedUser(
            userId,
            claims.TryGetValue(AuthenticatedUser.UsernameClaim, out var name) ? name as string ?? "" : "",
            claims.TryGetValue(AuthenticatedUser.EmailClaim, out var email) ? email as string ?? "" : "");
        var entry = new CachedToken(user, use, use == SessionUse ? meetingId : 0,
            jwt.ValidFrom == DateTime.MinValue ? DateTime.MinValue : jwt.ValidFrom, jwt.ValidTo);
        if (_cache.Count >= MaxCachedTokens)
        {
            // Crude but bounded: a flood of distinct valid tokens only costs re-validation.
            _cache.Clear();
        }
        _cache[token] = entry;
        return CheckCached(entry, requiredUse, now);
    }

    // Signature checks cost tens of microseconds; a token's verdict never changes except by the clock, so a
    // validated token is remembered (bounded) and only its lifetime is checked again on later requests.
    private const int MaxCachedTokens = 100_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CachedToken> _cache = new(StringComparer.Ordinal);

    private sealed record CachedToken(AuthenticatedUser User, string? Use, long MeetingId, DateTime NotBefore, DateTime Expires);

    private TokenCheck CheckCached(CachedToken token, string? requiredUse, DateTime now)
    {
        var skew = _parameters.ClockSkew;
        if (token.Expires == DateTime.MinValue)
        {
            return new TokenCheck(null, ErrorCodes.TokenInvalid, "The token has no expiry.", 0);
        }
        if (token.Expires < now - skew)
        {
            return new TokenCheck(null, ErrorCodes.TokenExpired, "The token has expired.", 0);
        }
        if (token.NotBefore > now + skew)
        {
            return new TokenCheck(null, ErrorCodes.TokenInvalid, "The token is not valid yet.", 0);
        }
        if (requiredUse is not null && token.Use != requiredUse)
        {
            return new TokenCheck(null, ErrorCodes.TokenInvalid, "This token cannot be used here.", 0);
        }
        return new TokenCheck(token.User, 0, null, token.MeetingId);
    }

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
