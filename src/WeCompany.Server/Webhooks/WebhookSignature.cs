using System.Security.Cryptography;
using System.Text;

namespace WeCompany.Server.Webhooks;

/// <summary>
/// The signature a receiver checks (docs/webhooks.md, "Verifying a request"): <c>v1=</c> and the lower-case hex
/// HMAC-SHA256, keyed with the endpoint's secret (its UTF-8 bytes), of <c>{timestamp}.{body}</c>, where timestamp
/// is the Webhook-Timestamp header (Unix seconds) and body the exact request bytes.
/// </summary>
public static class WebhookSignature
{
    public const string Scheme = "v1=";

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        Span<byte> prefix = stackalloc byte[24];
        timestamp.TryFormat(prefix, out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        prefix[written++] = (byte)'.';
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(prefix[..written]);
        hmac.AppendData(body);
        Span<byte> mac = stackalloc byte[32];
        hmac.GetHashAndReset(mac);
        return Scheme + Convert.ToHexStringLower(mac);
    }

    /// <summary>A new secret: "whsec_" and 32 random bytes in base64url (43 characters).</summary>
    public static string NewSecret() =>
        "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
