using System.Net;
using WeCompany.Media.Ice;
using WeCompany.Media.Rtp;
using WeCompany.Media.Sdp;

namespace WeCompany.Media.Tests.Sdp;

public sealed class SdpOfferBuilderTests
{
    private static readonly SdpLocalTransport Transport = new()
    {
        IceCredentials = new IceCredentials("srvUfrag", "serverpasswordserverpass"),
        Fingerprint = new SdpFingerprint("sha-256", "AB:CD"),
        Candidates = [SdpCandidate.HostUdp(IPAddress.Parse("192.0.2.1"), 7880)],
        SessionId = "42",
    };

    private static SdpCodec Opus()
    {
        var codec = new SdpCodec(111, "opus", 48000, 2) { Fmtp = "minptime=10;useinbandfec=1" };
        codec.RtcpFeedback.Add("transport-cc");
        return codec;
    }

    private static SdpCodec[] Vp8WithRtx()
    {
        var vp8 = new SdpCodec(96, "VP8", 90000);
        vp8.RtcpFeedback.AddRange(["nack", "nack pli", "ccm fir", "transport-cc"]);
        return [vp8, new SdpCodec(97, "rtx", 90000) { Fmtp = "apt=96" }];
    }

    private static SdpOfferMedia[] Subscription() =>
    [
        new()
        {
            Mid = "0",
            Kind = "audio",
            Codecs = [Opus()],
            Extmaps = [new SdpExtmap(1, RtpExtensionUris.AudioLevel), new SdpExtmap(4, RtpExtensionUris.Mid)],
            Source = new SdpMediaSource(1111, null, "alice", "alice-stream", "alice-mic"),
        },
        new()
        {
            Mid = "1",
            Kind = "video",
            Codecs = Vp8WithRtx(),
            Extmaps = [new SdpExtmap(3, RtpExtensionUris.TransportWideCc)],
            Source = new SdpMediaSource(2222, 2223, "alice", "alice-stream", "alice-cam"),
        },
        new() { Mid = "2", Kind = "video", Direction = SdpDirection.Inactive, Codecs = Vp8WithRtx() },
    ];

    [Fact]
    public void OfferSaysActPassIceLiteAndBundlesEverySection()
    {
        var text = SdpOfferBuilder.BuildText(Transport, Subscription(), sessionVersion: 3);
        Assert.True(SdpParser.TryParse(text, out var offer, out var error), error?.Message);

        Assert.True(offer.IceLite);
        Assert.Equal("42", offer.SessionId);
        Assert.Equal(3ul, offer.SessionVersion);
        Assert.Equal(["0", "1", "2"], offer.BundleMids);
        Assert.All(offer.Media, m => Assert.Equal(SdpSetup.ActPass, m.Setup));
        Assert.All(offer.Media, m => Assert.Equal("srvUfrag", m.IceUfrag));
        Assert.All(offer.Media, m => Assert.True(m.RtcpMux));
        Assert.All(offer.Media, m => Assert.Equal("1 1 udp 2130706431 192.0.2.1 7880 typ host", Assert.Single(m.Candidates)));
    }

    [Fact]
    public void SendingSectionsCarrySsrcMsidAndRtxGroup()
    {
        Assert.True(SdpParser.TryParse(SdpOfferBuilder.BuildText(Transport, Subscription()), out var offer, out _));

        var audio = offer.FindByMid("0")!;
        Assert.Equal(SdpDirection.SendOnly, audio.Direction);
        Assert.Equal(("alice-stream", "alice-mic"), (audio.MsidStream, audio.MsidTrack));
        var audioSource = Assert.Single(audio.Ssrcs);
        Assert.Equal((1111u, "alice", "alice-mic"), (audioSource.Ssrc, audioSource.Cname, audioSource.TrackId));
        Assert.Equal("minptime=10;useinbandfec=1", Assert.Single(audio.Codecs).Fmtp);

        var video = offer.FindByMid("1")!;
        Assert.Equal((2222u, 2223u), Assert.Single(video.RtxPairs));
        Assert.Equal([2222u, 2223u], video.Ssrcs.Select(s => s.Ssrc));
        Assert.Equal(["nack", "nack pli", "ccm fir", "transport-cc"], video.Codecs[0].RtcpFeedback);
        Assert.Equal(3, video.GetExtensionId(RtpExtensionUris.TransportWideCc));
    }

    [Fact]
    public void InactiveSlotHasNoSource()
    {
        Assert.True(SdpParser.TryParse(SdpOfferBuilder.BuildText(Transport, Subscription()), out var offer, out _));
        var slot = offer.FindByMid("2")!;
        Assert.Equal(SdpDirection.Inactive, slot.Direction);
        Assert.Empty(slot.Ssrcs);
        Assert.Null(slot.MsidStream);
    }

    [Fact]
    public void ChromiumStyleAnswerToOurOfferParsesAsActive()
    {
        // What Chromium answers: recvonly, setup:active (it becomes the DTLS client).
        var answer = SdpOfferBuilder.BuildText(Transport, Subscription())
            .Replace("a=setup:actpass", "a=setup:active", StringComparison.Ordinal)
            .Replace("a=sendonly", "a=recvonly", StringComparison.Ordinal)
            .Replace("a=ice-lite\r\n", string.Empty, StringComparison.Ordinal);
        Assert.True(SdpParser.TryParse(answer, out var parsed, out _));
        Assert.All(parsed.Media, m => Assert.Equal(SdpSetup.Active, m.Setup));
    }

    [Fact]
    public void SectionWithoutCodecIsAProgrammingError() =>
        Assert.Throws<ArgumentException>(() => SdpOfferBuilder.Build(Transport, [new SdpOfferMedia { Mid = "0", Kind = "audio" }]));
}
