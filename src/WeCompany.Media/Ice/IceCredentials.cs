using System.Buffers;
using System.Security.Cryptography;

namespace WeCompany.Media.Ice;

/// <summary>A local or remote ICE username fragment and password (RFC 8445 §5.3, RFC 8839 §5.4).</summary>
/// <param name="Ufrag">ice-ufrag: 4..256 ice-chars.</param>
/// <param name="Password">ice-pwd: 22..256 ice-chars.</param>
public sealed record IceCredentials(string Ufrag, string Password)
{
    /// <summary>RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/".</summary>
    public const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private static readonly SearchValues<char> IceCharValues = SearchValues.Create(IceChars);

    /// <summary>Length of a generated ufrag: at least 24 bits of randomness as RFC 8445 §5.3 asks.</summary>
    public const int UfragLength = 8;

    /// <summary>Length of a generated password: at least 128 bits of randomness (24 × 6 bits = 144).</summary>
    public const int PasswordLength = 24;

    /// <summary>Generates fresh credentials from the operating system's CSPRNG.</summary>
    public static IceCredentials Generate() => new(
        RandomNumberGenerator.GetString(IceChars, UfragLength),
        RandomNumberGenerator.GetString(IceChars, PasswordLength));

    /// <summary>Whether <paramref name="value"/> is only ice-chars and within the given length bounds.</summary>
    public static bool IsValid(string value, int minLength, int maxLength) =>
        value.Length >= minLength && value.Length <= maxLength && value.AsSpan().IndexOfAnyExcept(IceCharValues) < 0;

    /// <inheritdoc />
    public override string ToString() => $"IceCredentials {{ Ufrag = {Ufrag}, Password = *** }}";
}
