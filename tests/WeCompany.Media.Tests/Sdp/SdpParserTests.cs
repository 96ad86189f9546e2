using WeCompany.Media.Rtp;
using WeCompany.Media.Sdp;

namespace WeCompany.Media.Tests.Sdp;

public sealed class SdpParserTests
{
    private static SessionDescription ParseFixture()
    {
        Assert.True(SdpParser.TryParse(ChromiumOffer.Sdp, out var offer, out var error), error?.Message);
        return offer;
    }

    private static SdpError Refusal(string sdp)
    {
        Assert.False(SdpParser.TryParse(sdp, out var description, out var error));
        Assert.Null(description);
        return error;
    }

    [Fact]
    public void ChromiumOfferGivesTheSessionLevelFacts()
    {
        var offer = ParseFixture();
        Assert.Equal(["0", "1", "2"], offer.BundleMids);
        Assert.True(offer.ExtmapAllowMixed);
        Assert.False(offer.IceLite);
        Assert.Equal(2ul, offer.SessionVersion);
        Assert.Equal("4611731400430051336", offer.SessionId);
        Assert.Equal(["audio", "video", "application"], offer.Media.Select(m => m.Kind));
    }

    [Fact]
    public void AudioSectionCarriesTransportCodecsExtensionsAndSource()
    {
        var audio = ParseFixture().FindByMid("0")!;
        Assert.Equal("audio", audio.Kind);
        Assert.Equal(SdpDirection.SendRecv, audio.Direction);
        Assert.True(audio.RtcpMux);
        Assert.True(audio.RtcpReducedSize);
        Assert.Equal("Hk3Q", audio.IceUfrag);
        Assert.Equal("t2Ck8kM9yYzAr7jS0aV5R1bQ", audio.IcePwd);
        Assert.Equal("sha-256", audio.Fingerprint!.Algorithm);
        Assert.StartsWith("7B:8B:F0", audio.Fingerprint.Value, StringComparison.Ordinal);
        Assert.Equal(SdpSetup.ActPass, audio.Setup);

        var opus = audio.Codecs[0];
        Assert.Equal((111, "opus", 48000, 2), (opus.PayloadType, opus.Name, opus.ClockRate, opus.Channels));
        Assert.Equal("minptime=10;useinbandfec=1", opus.Fmtp);
        Assert.Equal("1", opus.GetParameter("useinbandfec"));
        Assert.Equal(["transport-cc"], opus.RtcpFeedback);
        Assert.Equal([111, 63, 9, 0, 8, 13, 110, 126], audio.Codecs.Select(c => c.PayloadType));

        Assert.Equal(1, audio.GetExtensionId(RtpExtensionUris.AudioLevel));
        Assert.Equal(3, audio.GetExtensionId(RtpExtensionUris.TransportWideCc));
        Assert.Equal(4, audio.GetExtensionId(RtpExtensionUris.Mid));

        var source = Assert.Single(audio.Ssrcs);
        Assert.Equal(uint.Parse(ChromiumOffer.AudioSsrc, System.Globalization.CultureInfo.InvariantCulture), source.Ssrc);
        Assert.Equal("Qh8r2bUuI5fDmV0k", source.Cname);
        Assert.Equal("5d3b0f86-7f7e-4b1e-9c1a-2b6f8a1c9d10", source.StreamId);
        Assert.Equal("0c6f1c2e-8a7b-4e55-b1c3-0f3e7d9a2b41", source.TrackId);
        Assert.Equal(source.TrackId, audio.MsidTrack);
    }

    [Fact]
    public void VideoSectionCarriesCodecsFeedbackAndRtxGroup()
    {
        var video = ParseFixture().FindByMid("1")!;
        Assert.Equal(15, video.Codecs.Count);
        var vp8 = video.Codecs[0];
        Assert.Equal((96, "VP8", 90000), (vp8.PayloadType, vp8.Name, vp8.ClockRate));
        Assert.Equal(["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"], vp8.RtcpFeedback);
        var rtx = video.Codecs[1];
        Assert.True(rtx.IsRtx);
        Assert.Equal(96, rtx.AssociatedPayloadType);
        Assert.Equal("2", video.Codecs.Single(c => c.PayloadType == 100).GetParameter("profile-id"));
        Assert.Equal("42e01f", video.Codecs.Single(c => c.PayloadType == 106).GetParameter("profile-level-id"));

        var pair = Assert.Single(video.RtxPairs);
        Assert.Equal((2970121001u, 2970121002u), pair);
        Assert.Equal(2, video.Ssrcs.Count);
        Assert.All(video.Ssrcs, s => Assert.Equal("a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d", s.TrackId));
        Assert.Equal(14, video.GetExtensionId("urn:ietf:params:rtp-hdrext:toffset"));
        Assert.Equal(11, video.Extmaps.Count);
    }

    [Fact]
    public void DataChannelSectionIsRecognised()
    {
        var data = ParseFixture().FindByMid("2")!;
        Assert.Equal("application", data.Kind);
        Assert.Equal("UDP/DTLS/SCTP", data.Protocol);
        Assert.Equal(5000, data.SctpPort);
    }

    [Fact]
    public void OfferWithoutIceUfragIsRefused()
    {
        var error = Refusal(ChromiumOffer.Without(l => l.StartsWith("a=ice-ufrag", StringComparison.Ordinal)));
        Assert.Equal(SdpErrorCode.MissingIceCredentials, error.Code);
        Assert.Contains("'0'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OfferWithoutIcePwdIsRefused() =>
        Assert.Equal(SdpErrorCode.MissingIceCredentials, Refusal(ChromiumOffer.Without(l => l.StartsWith("a=ice-pwd", StringComparison.Ordinal))).Code);

    [Fact]
    public void OfferWithoutFingerprintIsRefused() =>
        Assert.Equal(SdpErrorCode.MissingFingerprint, Refusal(ChromiumOffer.Without(l => l.StartsWith("a=fingerprint", StringComparison.Ordinal))).Code);

    [Fact]
    public void SessionLevelCredentialsAndFingerprintAreInherited()
    {
        var moved = ChromiumOffer.Without(l => l.StartsWith("a=ice-", StringComparison.Ordinal) || l.StartsWith("a=fingerprint", StringComparison.Ordinal))
            .Replace("t=0 0\r\n", "t=0 0\r\na=ice-ufrag:sess\r\na=ice-pwd:sessionpasswordsessionpw\r\na=fingerprint:sha-256 AA:BB\r\n", StringComparison.Ordinal);
        Assert.True(SdpParser.TryParse(moved, out var offer, out _));
        Assert.All(offer.Media, m => Assert.Equal("sess", m.IceUfrag));
        Assert.All(offer.Media, m => Assert.Equal("AA:BB", m.Fingerprint!.Value));
    }

    [Fact]
    public void RejectedSectionNeedsNoCredentials()
    {
        const string sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 0 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n";
        Assert.True(SdpParser.TryParse(sdp, out var description, out _));
        Assert.True(description.Media[0].IsRejected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")]
    [InlineData("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n")]
    public void TextThatIsNotAnOfferIsMalformed(string sdp) =>
        Assert.Equal(SdpErrorCode.Malformed, Refusal(sdp).Code);

    [Theory]
    [InlineData("a=rtpmap:111 opus/48000/2", "a=rtpmap:300 opus/48000/2")]
    [InlineData("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus")]
    [InlineData("a=extmap:1 urn", "a=extmap:0 urn")]
    [InlineData("a=ssrc:1093427871 cname", "a=ssrc:x cname")]
    [InlineData("m=audio 9 ", "m=audio 99999 ")]
    [InlineData("a=ssrc-group:FID 2970121001", "a=ssrc-group:FID notanumber")]
    public void BrokenLinesAreMalformed(string oldText, string newText)
    {
        var error = Refusal(ChromiumOffer.With(oldText, newText));
        Assert.Equal(SdpErrorCode.Malformed, error.Code);
        Assert.Contains("Line ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OversizedSdpIsRefused() =>
        Assert.Equal(SdpErrorCode.Malformed, Refusal(ChromiumOffer.Sdp + new string('a', SdpParser.MaxLength)).Code);
}
