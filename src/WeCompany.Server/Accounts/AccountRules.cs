using System.Net.Mail;

namespace WeCompany.Server.Accounts;

/// <summary>The rules an account's fields follow; each returns null when the value is acceptable, else why not.</summary>
public static class AccountRules
{
    public const int MaxFullName = 100;
    public const int MaxEmail = 254; // RFC 5321's path limit.
    public const int MaxAvatarUrl = 2048;

    public static string? Username(string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            return "username is required";
        }
        if (username.Length is < 3 or > 32)
        {
            return "username must be 3 to 32 characters";
        }
        foreach (var c in username)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return "username may contain only letters, digits, '_', '.' and '-'";
            }
        }
        return null;
    }

    public static string? Password(string? password, string? username)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "password is required";
        }
        if (password.Length is < 8 or > 128)
        {
            return "password must be 8 to 128 characters";
        }
        if (username is not null && string.Equals(password, username, StringComparison.OrdinalIgnoreCase))
        {
            return "password must not equal the username";
        }
        return null;
    }

    public static string? Email(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return "email is required";
        }
        if (email.Length > MaxEmail)
        {
            return $"email must be at most {MaxEmail} characters";
        }
        if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || !parsed.Host.Contains('.', StringComparison.Ordinal)
            || email.Any(char.IsWhiteSpace))
        {
            return "email is not a valid address";
        }
        return null;
    }

    public static string? FullName(string? fullName) =>
        fullName is { Length: > MaxFullName } ? $"full_name must be at most {MaxFullName} characters" : null;

    public static string? AvatarUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }
        if (url.Length > MaxAvatarUrl)
        {
            return $"avatar_url must be at most {MaxAvatarUrl} characters";
        }
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? null
            : "avatar_url must be an absolute http(s) URL";
    }
}
