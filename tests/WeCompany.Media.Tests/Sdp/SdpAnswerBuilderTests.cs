using System.Net;
using WeCompany.Media.Ice;
using WeCompany.Media.Rtp;
using WeCompany.Media.Sdp;

namespace WeCompany.Media.Tests.Sdp;

public sealed class SdpAnswerBuilderTests
{
    private static readonly IceCredentials Local = new("srvUfrag", "serverpasswordserverpass");
    private static readonly SdpFingerprint OurFingerprint = new("sha-256", "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF");

    private static SdpAnswerOptions Options(bool h264 = false, bool vp9 = false, IReadOnlyDictionary<string, SdpMediaSource>? sources = null) => new()
    {
        Transport = new SdpLocalTransport
        {
            IceCredentials = Local,
            Fingerprint = OurFingerprint,
            Candidates = [SdpCandidate.HostUdp(IPAddress.Parse("192.0.2.1"), 7880), SdpCandidate.HostTcpPassive(IPAddress.Parse("192.0.2.1"), 7881)],
        },
        AllowH264 = h264,
        AllowVp9 = vp9,
        OutgoingSources = sources ?? new Dictionary<string, SdpMediaSource>(),
    };

    private static SessionDescription Offer(string? sdp = null)
    {
        Assert.True(SdpParser.TryParse(sdp ?? ChromiumOffer.Sdp, out var offer, out var error), error?.Message);
        return offer;
    }

    private static (string Text, SessionDescription Parsed) Answer(SessionDescription offer, SdpAnswerOptions options)
    {
        Assert.True(SdpAnswerBuilder.TryBuildText(offer, options, out var text, out var error), error?.Message);
        // The answer must be something our own parser (and so a strict peer) accepts.
        Assert.True(SdpParser.TryParse(text, out var parsed, out var parseError), parseError?.Message);
        return (text, parsed);
    }

    [Fact]
    public void AnswerIsIceLitePassiveWithOurCredentialsCandidatesAndBundle()
    {
        var (text, answer) = Answer(Offer(), Options());

        Assert.Contains("\r\na=ice-lite\r\n", text, StringComparison.Ordinal);
        Assert.True(answer.IceLite);
        Assert.Equal(["0", "1"], answer.BundleMids);
        foreach (var media in answer.Media.Where(m => !m.IsRejected))
        {
            Assert.Equal("srvUfrag", media.IceUfrag);
            Assert.Equal("serverpasswordserverpass", media.IcePwd);
            Assert.Equal(OurFingerprint, media.Fingerprint);
            Assert.Equal(SdpSetup.Passive, media.Setup);
            Assert.True(media.RtcpMux);
            Assert.True(media.EndOfCandidates);
            Assert.Equal(7880, media.Port);
            Assert.Equal(
                ["1 1 udp 2130706431 192.0.2.1 7880 typ host", "2 1 tcp 2124414975 192.0.2.1 7881 typ host tcptype passive"],
                media.Candidates);
        }
    }

    [Fact]
    public void AudioKeepsOnlyOpusWithItsParametersAndTheSupportedExtensions()
    {
        var (_, answer) = Answer(Offer(), Options());
        var audio = answer.FindByMid("0")!;
        var opus = Assert.Single(audio.Codecs);
        Assert.Equal((111, "opus", 48000, 2), (opus.PayloadType, opus.Name, opus.ClockRate, opus.Channels));
        Assert.Equal("minptime=10;useinbandfec=1", opus.Fmtp);
        Assert.Equal(["transport-cc"], opus.RtcpFeedback);
        Assert.Equal([1, 2, 3, 4], audio.Extmaps.Select(e => e.Id));
        Assert.Equal(SdpDirection.SendRecv, audio.Direction);
        Assert.True(audio.RtcpReducedSize);
        Assert.Empty(audio.Ssrcs);
    }

    [Fact]
    public void VideoKeepsVp8AndItsRtxWithKeyFrameAndCongestionFeedback()
    {
        var (_, answer) = Answer(Offer(), Options());
        var video = answer.FindByMid("1")!;
        Assert.Equal([96, 97], video.Codecs.Select(c => c.PayloadType));
        var vp8 = video.Codecs[0];
        Assert.Contains("nack", vp8.RtcpFeedback);
        Assert.Contains("nack pli", vp8.RtcpFeedback);
        Assert.Contains("ccm fir", vp8.RtcpFeedback);
        Assert.Contains("transport-cc", vp8.RtcpFeedback);
        Assert.Equal("apt=96", video.Codecs[1].Fmtp);
        Assert.Equal(
            [RtpExtensionUris.AbsSendTime, RtpExtensionUris.TransportWideCc, RtpExtensionUris.Mid],
            video.Extmaps.Select(e => e.Uri));
        Assert.Equal(3, video.GetExtensionId(RtpExtensionUris.TransportWideCc));
    }

    [Fact]
    public void H264AndVp9PassWhenBothEndsSupportThem()
    {
        var (_, answer) = Answer(Offer(), Options(h264: true, vp9: true));
        // VP9 profile 2 and H.264 packetization-mode 0 stay out, as do red and ulpfec.
        Assert.Equal([96, 97, 98, 99, 102, 103, 106, 107], answer.FindByMid("1")!.Codecs.Select(c => c.PayloadType));
    }

    [Fact]
    public void DataChannelSectionIsRejectedAndLeftOutOfTheBundle()
    {
        var (text, answer) = Answer(Offer(), Options());
        Assert.Contains("\r\nm=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n", text, StringComparison.Ordinal);
        Assert.True(answer.FindByMid("2")!.IsRejected);
        Assert.DoesNotContain("2", answer.BundleMids);
    }

    [Theory]
    [InlineData("sendonly", SdpDirection.RecvOnly)]
    [InlineData("recvonly", SdpDirection.SendOnly)]
    [InlineData("inactive", SdpDirection.Inactive)]
    public void DirectionIsMirrored(string offered, SdpDirection expected)
    {
        var (_, answer) = Answer(Offer(ChromiumOffer.With("a=sendrecv", "a=" + offered)), Options());
        Assert.Equal(expected, answer.FindByMid("0")!.Direction);
        Assert.Equal(expected, answer.FindByMid("1")!.Direction);
    }

    [Fact]
    public void SendingSectionCarriesTheServersSourceLines()
    {
        var sources = new Dictionary<string, SdpMediaSource> { ["1"] = new(5555, 5556, "sfu", "stream-a", "track-v") };
        var (text, answer) = Answer(Offer(ChromiumOffer.With("a=sendrecv", "a=recvonly")), Options(sources: sources));
        var video = answer.FindByMid("1")!;
        Assert.Equal((5555u, 5556u), Assert.Single(video.RtxPairs));
        Assert.Equal("track-v", video.MsidTrack);
        Assert.Contains("a=ssrc:5555 msid:stream-a track-v", text, StringComparison.Ordinal);
        Assert.Empty(answer.FindByMid("0")!.Ssrcs);
    }

    [Fact]
    public void CandidateToStringIsTheTrickleForm() =>
        Assert.Equal("candidate:1 1 udp 2130706431 192.0.2.1 7880 typ host", SdpCandidate.HostUdp(IPAddress.Parse("192.0.2.1"), 7880).ToString());

    [Fact]
    public void OfferAskingUsToBeTheDtlsClientIsRefused()
    {
        Assert.False(SdpAnswerBuilder.TryBuild(Offer(ChromiumOffer.With("a=setup:actpass", "a=setup:passive")), Options(), out var answer, out var error));
        Assert.Null(answer);
        Assert.Equal(SdpErrorCode.IncompatibleSetup, error.Code);
    }

    [Fact]
    public void OfferWithNothingWeForwardIsRefused()
    {
        var sdp = ChromiumOffer.With("opus/48000/2", "ISAC/16000").Replace("VP8/90000", "AV1/90000", StringComparison.Ordinal);
        Assert.False(SdpAnswerBuilder.TryBuild(Offer(sdp), Options(), out _, out var error));
        Assert.Equal(SdpErrorCode.NoAcceptableMedia, error.Code);
    }

    [Fact]
    public void SectionWithoutRtcpMuxIsRejected()
    {
        // Only the audio section loses rtcp-mux: the shared port needs RTCP multiplexed (RFC 5761).
        var sdp = ChromiumOffer.Sdp;
        var first = sdp.IndexOf("a=rtcp-mux\r\n", StringComparison.Ordinal);
        var (text, answer) = Answer(Offer(sdp.Remove(first, "a=rtcp-mux\r\n".Length)), Options());
        Assert.True(answer.FindByMid("0")!.IsRejected);
        Assert.False(answer.FindByMid("1")!.IsRejected);
        Assert.Equal(["1"], answer.BundleMids);
        Assert.Contains("\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n", text, StringComparison.Ordinal);
    }
}
