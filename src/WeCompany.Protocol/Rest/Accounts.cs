namespace WeCompany.Protocol.Rest;

/// <summary>POST /api/v1/auth/register.</summary>
public sealed record RegisterRequest(string? Username, string? Email, string? Password, string? FullName);

/// <summary>POST /api/v1/auth/login.</summary>
public sealed record LoginRequest(string? Username, string? Password);

/// <summary>POST /api/v1/auth/refresh and /logout.</summary>
public sealed record RefreshRequest(string? RefreshToken);

/// <summary>PUT /api/v1/users/profile: fields left null keep their value.</summary>
public sealed record UpdateProfileRequest(string? FullName, string? Email, string? AvatarUrl);

/// <summary>PUT /api/v1/users/password.</summary>
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>The answer to register and login: the user and a token pair.</summary>
public sealed record AuthResult(long UserId, string Username, string Email, string Token, string RefreshToken, int ExpiresIn);

/// <summary>The answer to refresh: the next token pair.</summary>
public sealed record TokenPair(string Token, string RefreshToken, int ExpiresIn);

/// <summary>GET /api/v1/users/profile.</summary>
public sealed record UserProfile(long UserId, string Username, string Email, string FullName, string AvatarUrl, bool IsAdmin, DateTimeOffset CreatedAt);
