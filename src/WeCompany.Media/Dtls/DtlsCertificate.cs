using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WeCompany.Media.Dtls;

/// <summary>
/// The self-signed ECDSA P-256 certificate this endpoint presents in DTLS (WebRTC identifies it by its
/// fingerprint in SDP, RFC 8827 §6.5, not by a CA). Generate one at start-up and share it across transports.
/// </summary>
public sealed class DtlsCertificate : IDisposable
{
    private readonly byte[] _privateKeyPkcs8;

    private DtlsCertificate(X509Certificate2 certificate, byte[] privateKeyPkcs8)
    {
        Certificate = certificate;
        _privateKeyPkcs8 = privateKeyPkcs8;
        Fingerprint = DtlsFingerprint.Compute("sha-256", certificate.RawData);
    }

    /// <summary>The certificate (with its private key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The SHA-256 fingerprint for the local SDP's <c>a=fingerprint</c> line.</summary>
    public DtlsFingerprint Fingerprint { get; }

    internal ReadOnlySpan<byte> Der => Certificate.RawData;

    internal ReadOnlySpan<byte> PrivateKeyPkcs8 => _privateKeyPkcs8;

    /// <summary>
    /// Creates a fresh key pair and a certificate valid from a day ago (clock skew) for a year. Browsers check
    /// only the fingerprint, so the name is informational.
    /// </summary>
    public static DtlsCertificate Generate(string commonName = "WeCompany", TimeProvider? timeProvider = null)
    {
        var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(365));
        return new DtlsCertificate(certificate, key.ExportPkcs8PrivateKey());
    }

    /// <summary>Releases the certificate and wipes the exported private key.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_privateKeyPkcs8);
        Certificate.Dispose();
    }
}
