using System.ComponentModel.DataAnnotations;

namespace WeCompany.Server.Accounts;

/// <summary>Tokens, passwords and login throttling. Section "Auth".</summary>
public sealed class AuthOptions
{
    /// <summary>HS256 key (at least 32 bytes of text or base64). Empty: generated once into the data folder (mode 0600).</summary>
    public string? JwtKey { get; set; }

    /// <summary>The specification's issuer.</summary>
    [Required]
    public string Issuer { get; set; } = "meeting-system";

    /// <summary>Access token lifetime: the specification's expires_in of 86,400 s.</summary>
    [Range(60, 7 * 86400)]
    public int AccessTokenSeconds { get; set; } = 86400;

    /// <summary>Absolute lifetime of a refresh token family: 30 days, after which the user signs in again.</summary>
    [Range(3600, 365 * 86400)]
    public int RefreshTokenSeconds { get; set; } = 30 * 86400;

    /// <summary>PBKDF2-HMAC-SHA512 iterations: OWASP's 2023 figure for that hash is 210,000.</summary>
    [Range(10_000, 10_000_000)]
    public int PasswordIterations { get; set; } = 210_000;

    /// <summary>Clock skew tolerated on exp/nbf: enough for NTP drift between cluster nodes.</summary>
    [Range(0, 300)]
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>Usernames that are system administrators (the first registered user always is).</summary>
    public string[] Admins { get; set; } = [];

    /// <summary>Failed logins per account inside the window before the account is throttled.</summary>
    [Range(1, 1000)]
    public int MaxFailuresPerAccount { get; set; } = 10;

    /// <summary>Failed logins per client address inside the window before the address is throttled.</summary>
    [Range(1, 100_000)]
    public int MaxFailuresPerAddress { get; set; } = 30;

    /// <summary>Window and lock-out length for the login throttle.</summary>
    [Range(1, 86400)]
    public int ThrottleWindowSeconds { get; set; } = 900;
}
