using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using WeCompany.Media.Dtls;

namespace WeCompany.Media.Tests.Dtls;

public sealed class DtlsFingerprintTests
{
    [Fact]
    public void AGeneratedCertificateIsEcdsaP256WithItsSha256FingerprintInSdpForm()
    {
        using var certificate = DtlsCertificate.Generate();

        var text = certificate.Fingerprint.ToString();

        Assert.Matches("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", text);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(certificate.Certificate.RawData)), text[8..].Replace(":", "", StringComparison.Ordinal));
        using var key = certificate.Certificate.GetECDsaPublicKey();
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
    }

    [Fact]
    public void TheSdpFormParsesBackToTheSameFingerprint()
    {
        using var certificate = DtlsCertificate.Generate();

        Assert.True(DtlsFingerprint.TryParse(certificate.Fingerprint.ToString().ToLowerInvariant().Replace("sha-256", "SHA-256", StringComparison.Ordinal), out var parsed));

        Assert.Equal(certificate.Fingerprint, parsed);
        Assert.True(parsed.Matches(certificate.Certificate.RawData));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha-256")]
    [InlineData("sha-256 AB:CD")]
    [InlineData("md5 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89")]
    [InlineData("sha-1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01")]
    [InlineData("sha-256 ZZ:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89")]
    public void MalformedOrWeakFingerprintsAreRefused(string? value)
    {
        Assert.False(DtlsFingerprint.TryParse(value, out _));
    }

    [Fact]
    public void AnotherCertificateDoesNotMatch()
    {
        using var one = DtlsCertificate.Generate();
        using var other = DtlsCertificate.Generate();

        Assert.False(one.Fingerprint.Matches(other.Certificate.RawData));
    }
}
