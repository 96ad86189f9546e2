using WeCompany.Media.Dtls.Native;
using WeCompany.Media.Srtp;

namespace WeCompany.Media.Dtls;

/// <summary>
/// An OpenSSL SSL_CTX configured for DTLS-SRTP: DTLS 1.2, our certificate, the use_srtp profiles, and a peer
/// certificate request (whose check is the fingerprint comparison in <see cref="DtlsTransport"/>).
/// One per process (or per certificate); it may be shared by transports on any thread.
/// </summary>
public sealed class DtlsContext : IDisposable
{
    /// <summary>
    /// The offered profiles in order of preference: GCM first (cheaper per packet and authenticated
    /// encryption), AES-CM as the profile every WebRTC stack must support. OpenSSL picks by the server's order.
    /// </summary>
    public static readonly IReadOnlyList<SrtpProfile> DefaultProfiles =
        [SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES_CM_128_HMAC_SHA1_80];

    private readonly SslContextHandle _handle;

    /// <summary>Creates the SSL_CTX; throws <see cref="DtlsException"/> if OpenSSL refuses the configuration.</summary>
    public DtlsContext(DtlsCertificate certificate, IReadOnlyList<SrtpProfile>? profiles = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Certificate = certificate;
        Profiles = profiles is { Count: > 0 } ? profiles : DefaultProfiles;
        _handle = Create(certificate, Profiles);
    }

    /// <summary>The certificate presented by every transport made from this context.</summary>
    public DtlsCertificate Certificate { get; }

    /// <summary>The SRTP profiles offered (client) or accepted (server), in preference order.</summary>
    public IReadOnlyList<SrtpProfile> Profiles { get; }

    internal SslContextHandle Handle => _handle;

    /// <summary>Releases this reference to the SSL_CTX; transports already created keep theirs.</summary>
    public void Dispose() => _handle.Dispose();

    private static unsafe SslContextHandle Create(DtlsCertificate certificate, IReadOnlyList<SrtpProfile> profiles)
    {
        LibCrypto.ERR_clear_error();
        var handle = new SslContextHandle(LibSsl.SSL_CTX_new(LibSsl.DTLS_method()));
        if (handle.IsInvalid)
        {
            throw new DtlsException(OpenSslError.Drain("SSL_CTX_new"));
        }

        try
        {
            var ctx = handle.DangerousGetHandle();
            // DTLS 1.0 is deprecated (RFC 8996); WebRTC peers all speak 1.2.
            Check(LibSsl.SSL_CTX_ctrl(ctx, LibSsl.SSL_CTRL_SET_MIN_PROTO_VERSION, LibSsl.DTLS1_2_VERSION, IntPtr.Zero) == 1, "min version");
            Check(LibSsl.SSL_CTX_ctrl(ctx, LibSsl.SSL_CTRL_SET_MAX_PROTO_VERSION, LibSsl.DTLS1_2_VERSION, IntPtr.Zero) == 1, "max version");
            LibSsl.SSL_CTX_set_options(ctx, LibSsl.SSL_OP_NO_QUERY_MTU | LibSsl.SSL_OP_NO_TICKET);
            // A resumed session skips the certificate exchange, and with it the fingerprint check.
            LibSsl.SSL_CTX_ctrl(ctx, LibSsl.SSL_CTRL_SET_SESS_CACHE_MODE, LibSsl.SSL_SESS_CACHE_OFF, IntPtr.Zero);

            var x509 = DecodeCertificate(certificate.Der);
            try
            {
                Check(LibSsl.SSL_CTX_use_certificate(ctx, x509) == 1, "SSL_CTX_use_certificate");
            }
            finally
            {
                LibCrypto.X509_free(x509); // SSL_CTX_use_certificate took its own reference
            }

            var key = DecodePrivateKey(certificate.PrivateKeyPkcs8);
            try
            {
                Check(LibSsl.SSL_CTX_use_PrivateKey(ctx, key) == 1, "SSL_CTX_use_PrivateKey");
            }
            finally
            {
                LibCrypto.EVP_PKEY_free(key);
            }

            Check(LibSsl.SSL_CTX_check_private_key(ctx) == 1, "SSL_CTX_check_private_key");

            // RFC 5764 §4.1.1: the use_srtp extension; SSL_CTX_set_tlsext_use_srtp returns 0 on success.
            var names = string.Join(':', profiles.Select(p => p.OpenSslName()));
            Check(LibSsl.SSL_CTX_set_tlsext_use_srtp(ctx, names) == 0, "SSL_CTX_set_tlsext_use_srtp");

            // Both sides ask for the peer's certificate. This callback accepts any chain; each transport
            // replaces it with one that pins the SDP fingerprint (RFC 5763 §5).
            LibSsl.SSL_CTX_set_verify(ctx, LibSsl.SSL_VERIFY_PEER | LibSsl.SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &AcceptAnyChain);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    // Self-signed certificates never chain to a CA; trust comes from the SDP fingerprint. Never throws.
    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    private static int AcceptAnyChain(int preverifyOk, IntPtr storeContext) => 1;

    private static unsafe IntPtr DecodeCertificate(ReadOnlySpan<byte> der)
    {
        fixed (byte* start = der)
        {
            var cursor = start; // d2i_X509 advances the pointer it is given
            var x509 = LibCrypto.d2i_X509(IntPtr.Zero, &cursor, der.Length);
            return x509 != IntPtr.Zero ? x509 : throw new DtlsException(OpenSslError.Drain("d2i_X509"));
        }
    }

    private static unsafe IntPtr DecodePrivateKey(ReadOnlySpan<byte> pkcs8)
    {
        fixed (byte* start = pkcs8)
        {
            var cursor = start;
            var key = LibCrypto.d2i_AutoPrivateKey(IntPtr.Zero, &cursor, pkcs8.Length);
            return key != IntPtr.Zero ? key : throw new DtlsException(OpenSslError.Drain("d2i_AutoPrivateKey"));
        }
    }

    private static void Check(bool ok, string operation)
    {
        if (!ok)
        {
            throw new DtlsException(OpenSslError.Drain(operation));
        }
    }
}
