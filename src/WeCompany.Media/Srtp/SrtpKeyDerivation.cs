namespace WeCompany.Media.Srtp;

/// <summary>
/// The SRTP key derivation function of RFC 3711 §4.3 with a key derivation rate of zero (the only rate
/// DTLS-SRTP uses, RFC 5764 §4.1.2): session keys are derived once per master key.
/// </summary>
public static class SrtpKeyDerivation
{
    /// <summary>RFC 3711 §4.3.1 labels.</summary>
    public const byte RtpEncryptionLabel = 0x00;
    /// <summary>RFC 3711 §4.3.1: SRTP authentication key label.</summary>
    public const byte RtpAuthenticationLabel = 0x01;
    /// <summary>RFC 3711 §4.3.1: SRTP salt label.</summary>
    public const byte RtpSaltLabel = 0x02;
    /// <summary>RFC 3711 §4.3.2: SRTCP encryption key label.</summary>
    public const byte RtcpEncryptionLabel = 0x03;
    /// <summary>RFC 3711 §4.3.2: SRTCP authentication key label.</summary>
    public const byte RtcpAuthenticationLabel = 0x04;
    /// <summary>RFC 3711 §4.3.2: SRTCP salt label.</summary>
    public const byte RtcpSaltLabel = 0x05;

    private const int KdfSaltLength = 14;

    /// <summary>
    /// Fills <paramref name="output"/> with the session key for <paramref name="label"/>.
    /// A master salt shorter than 14 bytes (GCM's 12) is zero-padded on the right, as RFC 7714 §11 asks.
    /// </summary>
    public static void Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> output)
    {
        if (masterSalt.Length > KdfSaltLength)
        {
            throw new ArgumentException("The master salt is at most 14 bytes.", nameof(masterSalt));
        }

        // RFC 3711 §4.3.1: key_id = label || r (r = 0 when kdr = 0); x = key_id XOR master_salt,
        // key_id aligned to the least significant end of the 112-bit salt, so the label lands in octet 7.
        Span<byte> iv = stackalloc byte[16];
        masterSalt.CopyTo(iv);
        iv[7] ^= label;

        // RFC 3711 §4.3.3: the PRF is AES-CM keyed with the master key, IV = x * 2^16.
        using var counterMode = new AesCounterMode(masterKey);
        output.Clear();
        counterMode.Apply(iv, output);
    }
}
