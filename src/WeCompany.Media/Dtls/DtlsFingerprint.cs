using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace WeCompany.Media.Dtls;

/// <summary>
/// A certificate fingerprint as SDP carries it (RFC 8122 §5: <c>a=fingerprint:sha-256 AB:CD:...</c>).
/// The remote one comes from the peer's SDP; the transport fails the handshake unless the peer's
/// certificate hashes to it.
/// </summary>
public sealed class DtlsFingerprint : IEquatable<DtlsFingerprint>
{
    private readonly byte[] _value;

    private DtlsFingerprint(string algorithm, byte[] value)
    {
        Algorithm = algorithm;
        _value = value;
    }

    /// <summary>The hash function's SDP name, lower case: "sha-256", "sha-384" or "sha-512" (RFC 8827 §6.5
    /// requires SHA-256; SHA-1 is refused as too weak).</summary>
    public string Algorithm { get; }

    /// <summary>The hash bytes.</summary>
    public ReadOnlySpan<byte> Value => _value;

    /// <summary>Hashes a DER certificate with the named algorithm.</summary>
    public static DtlsFingerprint Compute(string algorithm, ReadOnlySpan<byte> certificateDer)
    {
        var name = algorithm.ToLowerInvariant();
        return new DtlsFingerprint(name, Hash(name, certificateDer)
            ?? throw new ArgumentException($"Unsupported fingerprint algorithm '{algorithm}'.", nameof(algorithm)));
    }

    /// <summary>
    /// Parses the value of an SDP <c>a=fingerprint</c> attribute ("sha-256 AB:CD:..."); hash names are
    /// case-insensitive (RFC 8122 §5). Returns false for unknown hashes or a wrong number of bytes.
    /// </summary>
    public static bool TryParse(string? sdpValue, out DtlsFingerprint fingerprint)
    {
        fingerprint = null!;
        if (string.IsNullOrWhiteSpace(sdpValue))
        {
            return false;
        }

        var parts = sdpValue.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            return false;
        }

        var algorithm = parts[0].ToLowerInvariant();
        var length = HashLength(algorithm);
        var hex = parts[1].Split(':');
        if (length == 0 || hex.Length != length)
        {
            return false;
        }

        var value = new byte[length];
        for (var i = 0; i < length; i++)
        {
            if (hex[i].Length != 2 || !byte.TryParse(hex[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value[i]))
            {
                return false;
            }
        }

        fingerprint = new DtlsFingerprint(algorithm, value);
        return true;
    }

    /// <summary>Whether <paramref name="certificateDer"/> hashes to this fingerprint (constant-time compare).</summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer)
    {
        var actual = Hash(Algorithm, certificateDer);
        return actual is not null && CryptographicOperations.FixedTimeEquals(actual, _value);
    }

    /// <summary>The SDP form: "sha-256 AB:CD:...".</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Algorithm.Length + 1 + (_value.Length * 3));
        text.Append(Algorithm).Append(' ');
        for (var i = 0; i < _value.Length; i++)
        {
            if (i > 0)
            {
                text.Append(':');
            }

            text.Append(_value[i].ToString("X2", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public bool Equals(DtlsFingerprint? other) =>
        other is not null && Algorithm == other.Algorithm && _value.AsSpan().SequenceEqual(other._value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as DtlsFingerprint);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Algorithm, BitConverter.ToInt32(_value, 0));

    private static int HashLength(string algorithm) => algorithm switch
    {
        "sha-256" => 32,
        "sha-384" => 48,
        "sha-512" => 64,
        _ => 0,
    };

    private static byte[]? Hash(string algorithm, ReadOnlySpan<byte> data) => algorithm switch
    {
        "sha-256" => SHA256.HashData(data),
        "sha-384" => SHA384.HashData(data),
        "sha-512" => SHA512.HashData(data),
        _ => null,
    };
}
