using WeCompany.Media.Srtp;

namespace WeCompany.Media.Tests.Srtp;

/// <summary>Whole-packet vectors: libsrtp's reference packet for AES-CM, RFC 7714 §16.1.1 and §17.1.1 for GCM.</summary>
public sealed class SrtpTestVectorTests
{
    private static readonly byte[] CmMasterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] CmMasterSalt = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");

    private static readonly byte[] GcmKey = Convert.FromHexString("000102030405060708090A0B0C0D0E0F");
    private static readonly byte[] GcmSalt = Convert.FromHexString("517569642070726F2071756F");

    private const string GcmRtp =
        "8040F17B8041F8D35501A0B247616C6C696120657374206F6D6E69732064697669736120696E207061727465732074726573";
    private const string GcmSrtp =
        "8040F17B8041F8D35501A0B2F24DE3A3FB34DE6CACBA861C9D7E4BCABE633BD50D294E6F42A5F47A51C7D19B36DE3ADF8833899D7F27BEB16A9152CF765EE4390CCE";
    private const string GcmRtcp =
        "81C8000D4D6172734E5450314E545032525450200000042A0000E9304C756E61DEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEF";
    private const string GcmSrtcp =
        "81C8000D4D61727363E94885DCDAB67CA727D7662F6B7E997FF5C0F76C06F32DC676A5F1730D6FDA4CE09B4686303DED0BB9275BC84AA45896CF4D2FC5ABF87245D9EADE800005D4";

    [Fact]
    public void AesCmProtectsTheLibsrtpReferencePacket()
    {
        using var session = new SrtpSession(SrtpProfile.AES_CM_128_HMAC_SHA1_80, CmMasterKey, CmMasterSalt);
        var plain = Convert.FromHexString("800F1234DECAFBADCAFEBABE" + string.Concat(Enumerable.Repeat("AB", 16)));
        var buffer = new byte[plain.Length + session.RtpOverhead];
        plain.CopyTo(buffer, 0);

        Assert.Equal(SrtpResult.Ok, session.ProtectRtp(buffer, plain.Length, out var length));

        Assert.Equal("800F1234DECAFBADCAFEBABE4E55DC4CE79978D88CA4D215949D2402B78D6ACC99EA179B8DBB", Convert.ToHexString(buffer, 0, length));
    }

    [Fact]
    public void AesCmProtectsTheLibsrtpReferenceRtcpPacketWithIndexOne()
    {
        using var session = new SrtpSession(SrtpProfile.AES_CM_128_HMAC_SHA1_80, CmMasterKey, CmMasterSalt);
        var plain = Convert.FromHexString("81C8000BCAFEBABE" + string.Concat(Enumerable.Repeat("AB", 16)));
        var buffer = new byte[plain.Length + session.RtcpOverhead];

        // The reference packet carries SRTCP index 1; our indices start at 0, so the second packet matches.
        plain.CopyTo(buffer, 0);
        session.ProtectRtcp(buffer, plain.Length, out _);
        plain.CopyTo(buffer, 0);
        Assert.Equal(SrtpResult.Ok, session.ProtectRtcp(buffer, plain.Length, out var length));

        Assert.Equal("81C8000BCAFEBABE7128035BE487B9BDBEF89041F977A5A880000001993E08CD54D6C1230798", Convert.ToHexString(buffer, 0, length));
    }

    [Fact]
    public void AesCmUnprotectsTheLibsrtpReferencePacket()
    {
        using var session = new SrtpSession(SrtpProfile.AES_CM_128_HMAC_SHA1_80, CmMasterKey, CmMasterSalt);
        var packet = Convert.FromHexString("800F1234DECAFBADCAFEBABE4E55DC4CE79978D88CA4D215949D2402B78D6ACC99EA179B8DBB");

        Assert.Equal(SrtpResult.Ok, session.UnprotectRtp(packet, packet.Length, out var length));

        Assert.Equal("800F1234DECAFBADCAFEBABE" + string.Concat(Enumerable.Repeat("AB", 16)), Convert.ToHexString(packet, 0, length));
    }

    [Fact]
    public void GcmProtectsTheRfc7714RtpVector()
    {
        using var session = GcmSession();
        var plain = Convert.FromHexString(GcmRtp);
        var buffer = new byte[plain.Length + session.RtpOverhead];
        plain.CopyTo(buffer, 0);

        Assert.Equal(SrtpResult.Ok, session.ProtectRtp(buffer, plain.Length, out var length));

        Assert.Equal(GcmSrtp, Convert.ToHexString(buffer, 0, length));
    }

    [Fact]
    public void GcmUnprotectsTheRfc7714RtpVector()
    {
        using var session = GcmSession();
        var packet = Convert.FromHexString(GcmSrtp);

        Assert.Equal(SrtpResult.Ok, session.UnprotectRtp(packet, packet.Length, out var length));

        Assert.Equal(GcmRtp, Convert.ToHexString(packet, 0, length));
    }

    [Fact]
    public void GcmProtectsTheRfc7714RtcpVectorAtIndex0x5D4()
    {
        using var transform = new AesGcmTransform(GcmKey, GcmSalt);
        var plain = Convert.FromHexString(GcmRtcp);
        var buffer = new byte[plain.Length + 20];
        plain.CopyTo(buffer, 0);

        var length = transform.ProtectRtcp(buffer, plain.Length, 0x4D617273, 0x5D4);

        Assert.Equal(GcmSrtcp, Convert.ToHexString(buffer, 0, length));
    }

    [Fact]
    public void GcmUnprotectsTheRfc7714RtcpVector()
    {
        using var session = GcmSession();
        var packet = Convert.FromHexString(GcmSrtcp);

        Assert.Equal(SrtpResult.Ok, session.UnprotectRtcp(packet, packet.Length, out var length));

        Assert.Equal(GcmRtcp, Convert.ToHexString(packet, 0, length));
    }

    // libsrtp's GCM reference packets: master key and 12-byte master salt through the RFC 3711 KDF, the salt
    // zero-padded to 14 bytes (RFC 7714 §11). This checks the GCM key derivation the RFC 7714 vectors skip.
    private static readonly byte[] LibsrtpGcmMasterKey = Convert.FromHexString("000102030405060708090A0B0C0D0E0F");
    private static readonly byte[] LibsrtpGcmMasterSalt = Convert.FromHexString("A0A1A2A3A4A5A6A7A8A9AAAB");
    private const string LibsrtpGcmSrtp = "800F1234DECAFBADCAFEBABEC5002EDE04CFDD2EB91159E0880AA06ED2976826F796B201DF3131A127E8A392";
    private const string LibsrtpGcmSrtcp = "81C8000BCAFEBABEC98B8B5DF0392A55852B6C21AC8E7025C52C6FBEA2B3B446EA31123BA88CE61E80000001";

    [Fact]
    public void GcmDerivesItsSessionKeysFromTheMasterKeyAsLibsrtpDoes()
    {
        using var session = new SrtpSession(SrtpProfile.AEAD_AES_128_GCM, LibsrtpGcmMasterKey, LibsrtpGcmMasterSalt);
        var rtp = Convert.FromHexString("800F1234DECAFBADCAFEBABE" + string.Concat(Enumerable.Repeat("AB", 16)));
        var rtpBuffer = new byte[rtp.Length + session.RtpOverhead];
        rtp.CopyTo(rtpBuffer, 0);
        var rtcp = Convert.FromHexString("81C8000BCAFEBABE" + string.Concat(Enumerable.Repeat("AB", 16)));
        var rtcpBuffer = new byte[rtcp.Length + session.RtcpOverhead];

        session.ProtectRtp(rtpBuffer, rtp.Length, out var rtpLength);
        rtcp.CopyTo(rtcpBuffer, 0);
        session.ProtectRtcp(rtcpBuffer, rtcp.Length, out _);
        rtcp.CopyTo(rtcpBuffer, 0);
        session.ProtectRtcp(rtcpBuffer, rtcp.Length, out var rtcpLength); // index 1, as in the reference

        Assert.Equal(LibsrtpGcmSrtp, Convert.ToHexString(rtpBuffer, 0, rtpLength));
        Assert.Equal(LibsrtpGcmSrtcp, Convert.ToHexString(rtcpBuffer, 0, rtcpLength));
    }

    [Theory]
    [InlineData(SrtpProfile.AES_CM_128_HMAC_SHA1_80, "800F1234DECAFBADCAFEBABE4E55DC4CE79978D88CA4D215949D2402B78D6ACC99EA179B8DBB", "81C8000BCAFEBABE7128035BE487B9BDBEF89041F977A5A880000001993E08CD54D6C1230798")]
    [InlineData(SrtpProfile.AEAD_AES_128_GCM, LibsrtpGcmSrtp, LibsrtpGcmSrtcp)]
    public void EveryFlippedBitAndEveryTruncationIsRejected(SrtpProfile profile, string srtp, string srtcp)
    {
        var (key, salt) = profile == SrtpProfile.AEAD_AES_128_GCM ? (LibsrtpGcmMasterKey, LibsrtpGcmMasterSalt) : (CmMasterKey, CmMasterSalt);
        var validRtp = Convert.FromHexString(srtp);
        var validRtcp = Convert.FromHexString(srtcp);

        for (var bit = 0; bit < validRtp.Length * 8; bit++)
        {
            using var session = new SrtpSession(profile, key, salt);
            var packet = validRtp.ToArray();
            packet[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.NotEqual(SrtpResult.Ok, session.UnprotectRtp(packet, packet.Length, out _));
        }

        for (var bit = 0; bit < validRtcp.Length * 8; bit++)
        {
            using var session = new SrtpSession(profile, key, salt);
            var packet = validRtcp.ToArray();
            packet[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.NotEqual(SrtpResult.Ok, session.UnprotectRtcp(packet, packet.Length, out _));
        }

        using var receiver = new SrtpSession(profile, key, salt);
        for (var length = 0; length < validRtp.Length; length++)
        {
            Assert.NotEqual(SrtpResult.Ok, receiver.UnprotectRtp(validRtp.ToArray(), length, out _));
        }

        for (var length = 0; length < validRtcp.Length; length++)
        {
            Assert.NotEqual(SrtpResult.Ok, receiver.UnprotectRtcp(validRtcp.ToArray(), length, out _));
        }

        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(validRtp.ToArray(), validRtp.Length, out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(validRtcp.ToArray(), validRtcp.Length, out _));
    }

    private static SrtpSession GcmSession() =>
        new(SrtpProfile.AEAD_AES_128_GCM, new AesGcmTransform(GcmKey, GcmSalt), new AesGcmTransform(GcmKey, GcmSalt));
}
