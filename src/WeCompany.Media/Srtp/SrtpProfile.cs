namespace WeCompany.Media.Srtp;

/// <summary>
/// The SRTP protection profiles this stack speaks, numbered as in the DTLS-SRTP registry
/// (RFC 5764 §4.1.2 and RFC 7714 §14.2), so the value read from OpenSSL maps straight onto it.
/// </summary>
public enum SrtpProfile : ushort
{
    /// <summary>AES-128 counter mode with an 80-bit HMAC-SHA1 tag (RFC 3711, RFC 5764 §4.1.2).</summary>
    AES_CM_128_HMAC_SHA1_80 = 0x0001,

    /// <summary>AES-128-GCM with a 16-byte tag (RFC 7714).</summary>
    AEAD_AES_128_GCM = 0x0007,
}

/// <summary>Key, salt and tag sizes of each <see cref="SrtpProfile"/>.</summary>
public static class SrtpProfileExtensions
{
    /// <summary>Length in bytes of the master key and of the session encryption key.</summary>
    public static int KeyLength(this SrtpProfile profile) => profile switch
    {
        SrtpProfile.AES_CM_128_HMAC_SHA1_80 => 16,
        SrtpProfile.AEAD_AES_128_GCM => 16,
        _ => throw UnknownProfile(profile),
    };

    /// <summary>
    /// Length in bytes of the master salt: 14 for AES-CM (RFC 3711 §8.2), 12 for GCM (RFC 7714 §12).
    /// </summary>
    public static int SaltLength(this SrtpProfile profile) => profile switch
    {
        SrtpProfile.AES_CM_128_HMAC_SHA1_80 => 14,
        SrtpProfile.AEAD_AES_128_GCM => 12,
        _ => throw UnknownProfile(profile),
    };

    /// <summary>Length in bytes of the authentication tag appended to every packet.</summary>
    public static int TagLength(this SrtpProfile profile) => profile switch
    {
        SrtpProfile.AES_CM_128_HMAC_SHA1_80 => 10,
        SrtpProfile.AEAD_AES_128_GCM => 16,
        _ => throw UnknownProfile(profile),
    };

    /// <summary>The profile's name in OpenSSL's use_srtp list (RFC 5764 §4.1.2 names).</summary>
    public static string OpenSslName(this SrtpProfile profile) => profile switch
    {
        SrtpProfile.AES_CM_128_HMAC_SHA1_80 => "SRTP_AES128_CM_SHA1_80",
        SrtpProfile.AEAD_AES_128_GCM => "SRTP_AEAD_AES_128_GCM",
        _ => throw UnknownProfile(profile),
    };

    /// <summary>Whether <paramref name="value"/> is a profile this stack implements.</summary>
    public static bool IsSupported(this SrtpProfile value) =>
        value is SrtpProfile.AES_CM_128_HMAC_SHA1_80 or SrtpProfile.AEAD_AES_128_GCM;

    private static ArgumentOutOfRangeException UnknownProfile(SrtpProfile profile) =>
        new(nameof(profile), profile, "Unsupported SRTP profile.");
}
