using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;

namespace WeCompany.Server.Accounts;

/// <summary>Registration, sign-in, token refresh and profiles. Other features reach users through this service.</summary>
public sealed partial class AccountService(
    UserStore users,
    RefreshTokenStore refreshTokens,
    TokenService tokens,
    LoginThrottle throttle,
    IPasswordHasher<UserRecord> hasher,
    PasswordHashGate gate,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<AccountService> logger)
{
    // A real hash of a random password, checked when the user does not exist so that an unknown user
    // costs the same time as a wrong password (no user enumeration by timing).
    private readonly Lazy<string> _decoyHash = new(() => hasher.HashPassword(new UserRecord(), Guid.NewGuid().ToString()));

    public async Task<Result<AuthResult>> RegisterAsync(RegisterRequest request, CancellationToken ct)
    {
        var problem = AccountRules.Username(request.Username)
            ?? AccountRules.Email(request.Email)
            ?? AccountRules.Password(request.Password, request.Username)
            ?? AccountRules.FullName(request.FullName);
        if (problem is not null)
        {
            return ApiError.Validation(problem);
        }
        var now = Now;
        var admin = options.Value.Admins.Contains(request.Username!, StringComparer.OrdinalIgnoreCase);
        var (ran, hash) = await gate.RunAsync(() => hasher.HashPassword(new UserRecord(), request.Password!), ct);
        if (!ran)
        {
            return Busy();
        }
        var user = await users.InsertAsync(request.Username!, request.Email!, hash, request.FullName ?? "", admin, now, ct);
        if (user is null)
        {
            return await users.UsernameExistsAsync(request.Username!, ct)
                ? ApiError.Conflict(ErrorCodes.UserExists, "That username is taken.")
                : ApiError.Conflict(ErrorCodes.EmailExists, "That e-mail address is already registered.");
        }
        Log.Registered(logger, user.Id);
        return await IssueAsync(user, ct);
    }

    public async Task<Result<AuthResult>> LoginAsync(LoginRequest request, string address, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password))
        {
            return ApiError.Validation("username and password are required");
        }
        if (request.Username.Length > 254 || request.Password.Length > 128)
        {
            return new ApiError(401, "AuthenticationError", ErrorCodes.InvalidCredentials, "Unauthorized", "Wrong username or password.");
        }
        if (throttle.RetryAfter(request.Username, address) is { } wait)
        {
            return new Result<AuthResult>(ApiError.TooManyRequests(ErrorCodes.LoginThrottled, "Too many failed sign-ins; wait before trying again."), wait);
        }
        var user = await users.FindByUsernameAsync(request.Username, ct);
        var (ran, verdict) = await gate.RunAsync(
            () => hasher.VerifyHashedPassword(user ?? new UserRecord(), user?.PasswordHash ?? _decoyHash.Value, request.Password), ct);
        if (!ran)
        {
            return Busy();
        }
        if (user is null || verdict == PasswordVerificationResult.Failed)
        {
            throttle.RecordFailure(request.Username, address);
            return new ApiError(401, "AuthenticationError", ErrorCodes.InvalidCredentials, "Unauthorized", "Wrong username or password.");
        }
        throttle.RecordSuccess(address);
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await users.UpdatePasswordAsync(user.Id, hasher.HashPassword(user, request.Password), Now, ct);
        }
        return await IssueAsync(user, ct);
    }

    public async Task<Result<TokenPair>> RefreshAsync(RefreshRequest request, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.RefreshToken) || request.RefreshToken.Length > 256)
        {
            return ApiError.Validation("refresh_token is required");
        }
        var (outcome, next) = await refreshTokens.RotateAsync(request.RefreshToken, Now, ct);
        if (outcome != RefreshOutcome.Rotated || next is null)
        {
            if (outcome == RefreshOutcome.Reused)
            {
                Log.RefreshReuse(logger);
            }
            var detail = outcome switch
            {
                RefreshOutcome.Expired => "The refresh token has expired; sign in again.",
                RefreshOutcome.Reused => "The refresh token was already used; its session is revoked. Sign in again.",
                _ => "The refresh token is not valid.",
            };
            return ApiError.Unauthorized(ErrorCodes.RefreshTokenInvalid, detail);
        }
        var user = await users.FindByIdAsync(next.UserId, ct);
        if (user is null)
        {
            return ApiError.Unauthorized(ErrorCodes.RefreshTokenInvalid, "The refresh token is not valid.");
        }
        return new TokenPair(tokens.IssueAccessToken(ToIdentity(user)), next.Token, tokens.AccessTokenSeconds);
    }

    public async Task<Result<Nothing>> LogoutAsync(long userId, RefreshRequest request, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            // No token named: sign out everywhere.
            await refreshTokens.RevokeAllAsync(userId, Now, ct);
        }
        else
        {
            await refreshTokens.RevokeFamilyAsync(request.RefreshToken, userId, Now, ct);
        }
        return new Result<Nothing>(default(Nothing));
    }

    public async Task<Result<UserProfile>> GetProfileAsync(long userId, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(userId, ct);
        return user is null ? ApiError.NotFound(ErrorCodes.UserNotFound, "The user no longer exists.") : ToProfile(user);
    }

    public async Task<Result<UserProfile>> UpdateProfileAsync(long userId, UpdateProfileRequest request, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(userId, ct);
        if (user is null)
        {
            return ApiError.NotFound(ErrorCodes.UserNotFound, "The user no longer exists.");
        }
        var problem = AccountRules.FullName(request.FullName)
            ?? (request.Email is null ? null : AccountRules.Email(request.Email))
            ?? AccountRules.AvatarUrl(request.AvatarUrl);
        if (problem is not null)
        {
            return ApiError.Validation(problem);
        }
        var fullName = request.FullName ?? user.FullName;
        var email = request.Email ?? user.Email;
        var avatar = request.AvatarUrl ?? user.AvatarUrl;
        if (!await users.UpdateProfileAsync(userId, fullName, email, avatar, Now, ct))
        {
            return ApiError.Conflict(ErrorCodes.EmailExists, "That e-mail address is already registered.");
        }
        return await GetProfileAsync(userId, ct);
    }

    public async Task<Result<Nothing>> ChangePasswordAsync(long userId, ChangePasswordRequest request, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(userId, ct);
        if (user is null)
        {
            return ApiError.NotFound(ErrorCodes.UserNotFound, "The user no longer exists.");
        }
        if (string.IsNullOrEmpty(request.CurrentPassword))
        {
            return ApiError.Validation("current_password is required");
        }
        if (AccountRules.Password(request.NewPassword, user.Username) is { } problem)
        {
            return ApiError.Validation(problem.Replace("password", "new_password", StringComparison.Ordinal));
        }
        if (request.CurrentPassword.Length > 128 || hasher.VerifyHashedPassword(user, user.PasswordHash, request.CurrentPassword) == PasswordVerificationResult.Failed)
        {
            return new ApiError(401, "AuthenticationError", ErrorCodes.InvalidCredentials, "Unauthorized", "The current password is wrong.");
        }
        await users.UpdatePasswordAsync(userId, hasher.HashPassword(user, request.NewPassword!), Now, ct);
        await refreshTokens.RevokeAllAsync(userId, Now, ct);
        return new Result<Nothing>(default(Nothing));
    }

    /// <summary>The user's public identity, for other features (participants lists, chat names).</summary>
    public async Task<UserRecord?> FindAsync(long userId, CancellationToken ct) => await users.FindByIdAsync(userId, ct);

    private async Task<Result<AuthResult>> IssueAsync(UserRecord user, CancellationToken ct)
    {
        var now = Now;
        var refresh = await refreshTokens.CreateFamilyAsync(user.Id, now, now + options.Value.RefreshTokenSeconds * 1000L, ct);
        return new AuthResult(user.Id, user.Username, user.Email, tokens.IssueAccessToken(ToIdentity(user)), refresh, tokens.AccessTokenSeconds);
    }

    // Sign-ins queue for the hash gate; past its wait the caller is told to come back rather than wait longer.
    private static Result<AuthResult> Busy() => new(
        new ApiError(503, "ServiceUnavailable", ErrorCodes.ServiceUnavailable, "Service unavailable", "Too many sign-ins at once; retry shortly."),
        TimeSpan.FromSeconds(2));

    private static AuthenticatedUser ToIdentity(UserRecord user) => new(user.Id, user.Username, user.Email);

    private static UserProfile ToProfile(UserRecord user) =>
        new(user.Id, user.Username, user.Email, user.FullName, user.AvatarUrl, user.IsAdmin, DateTimeOffset.FromUnixTimeMilliseconds(user.CreatedAt));

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "User {UserId} registered")]
        public static partial void Registered(ILogger logger, long userId);

        [LoggerMessage(2, LogLevel.Warning, "A spent refresh token was presented again; its family was revoked")]
        public static partial void RefreshReuse(ILogger logger);
    }
}
