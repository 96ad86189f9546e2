using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WeCompany.Media.Sdp;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Meetings;
using WeCompany.Server.Sfu;

namespace WeCompany.Server.Tests.Sfu;

// The SFU's rooms driven through SDP by loopback clients built from our own media pieces.
public sealed class SfuServiceTests : IAsyncLifetime
{
    private const long Meeting = 42;
    private const long Alice = 1, Bob = 2, Carol = 3;
    private readonly RecordingSignalSender _sender = new();
    private readonly LocalMeetingEventBus _events = new();
    private readonly List<SdpClient> _clients = [];
    private SfuService _sfu = null!;

    public async Task InitializeAsync()
    {
        var options = new MediaOptions { Port = 0, BindAddress = "127.0.0.1", PublicAddresses = ["127.0.0.1"] };
        _sfu = new SfuService(Options.Create(options), _sender, TimeProvider.System, NullLogger<SfuService>.Instance, events: _events);
        await _sfu.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _sfu.DisposeAsync();
        _clients.ForEach(c => c.Dispose());
    }

    private SdpClient NewClient()
    {
        var client = new SdpClient();
        _clients.Add(client);
        return client;
    }

    private async Task<SdpClient> PublishAsync(long userId, string peerId, params (string Mid, string Kind, uint Ssrc, uint? Rtx)[] tracks)
    {
        var client = NewClient();
        var result = await _sfu.HandleOfferAsync(Meeting, userId, peerId, client.PublishOffer(tracks), mayPublish: true, CancellationToken.None);
        Assert.Equal(SfuResult.Accepted, result);
        var answer = await _sender.WaitForSdpAsync(userId, 2);
        await client.ConnectAsync(answer);
        return client;
    }

    [Fact]
    public async Task OfferIsAnsweredAsIceLitePassiveWithOurCandidate()
    {
        var client = NewClient();
        var result = await _sfu.HandleOfferAsync(Meeting, Alice, "peer-a", client.PublishOffer(("0", "video", 1111, 1112)), true, CancellationToken.None);

        Assert.Equal(SfuResult.Accepted, result);
        var answer = await _sender.WaitForSdpAsync(Alice, 2);
        Assert.True(SdpParser.TryParse(answer, out var description, out _));
        Assert.True(description.IceLite);
        var video = Assert.Single(description.Media);
        Assert.Equal(SdpSetup.Passive, video.Setup);
        Assert.Equal(SdpDirection.RecvOnly, video.Direction);
        Assert.Contains(video.Candidates, c => c.Contains($"127.0.0.1 {_sfu.MediaServer!.LocalEndPoint.Port} typ host", StringComparison.Ordinal));
        Assert.Contains(video.Codecs, c => c.Name == "VP8" && c.RtcpFeedback.Contains("nack pli") && c.RtcpFeedback.Contains("transport-cc"));
        await client.ConnectAsync(answer);
    }

    [Fact]
    public async Task LateJoinerIsOfferedTheRoomsTracksUnderThePublishersPeerIdAndReceivesThem()
    {
        var alice = await PublishAsync(Alice, "peer-a", ("0", "audio", 3333, null), ("1", "video", 1111, 1112));
        var bob = NewClient();
        await _sfu.PeerJoinedAsync(Meeting, Bob, "peer-b", CancellationToken.None);

        var offer = await _sender.WaitForSdpAsync(Bob, 1);
        var answer = bob.Answer(offer);
        Assert.Equal(2, bob.Incoming.Count);
        Assert.All(bob.Incoming.Values, i => Assert.Equal("peer-a", i.StreamId));
        Assert.Equal(SfuResult.Accepted, await _sfu.HandleAnswerAsync(Meeting, Bob, "peer-b", answer, CancellationToken.None));
        await bob.ConnectAsync(offer);

        using var stop = new CancellationTokenSource();
        var sending = SendVideoAsync(alice, 1111, stop.Token);
        await bob.Peer.WaitForRtpAsync(p => bob.Incoming.Values.Any(i => i.Ssrc == p.Ssrc) && p.PayloadType == 96);
        alice.Peer.SendRtp(3333, 1, 960, 111, [0xFC, 1, 2]);
        await bob.Peer.WaitForRtpAsync(p => p.PayloadType == 111 && p.Payload[0] == 0xFC);
        await stop.CancelAsync();
        await sending;
    }

    [Fact]
    public async Task AudienceOfferToPublishIsRefused()
    {
        var carol = NewClient();
        var result = await _sfu.HandleOfferAsync(Meeting, Carol, "peer-c", carol.PublishOffer(("0", "video", 7777, null)), mayPublish: false, CancellationToken.None);

        Assert.Equal(ErrorCodes.SignalingForbidden, result.ErrorCode);
        Assert.DoesNotContain(_sender.Sent, m => m.UserId == Carol && m.Type == 2);
    }

    [Fact]
    public async Task GarbageSdpIsRefusedAsMalformed()
    {
        var result = await _sfu.HandleOfferAsync(Meeting, Alice, "peer-a", "v=0\r\nthis is not sdp", true, CancellationToken.None);
        Assert.Equal(ErrorCodes.SignalingMalformed, result.ErrorCode);
        var noCredentials = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n";
        result = await _sfu.HandleOfferAsync(Meeting, Alice, "peer-a", noCredentials, true, CancellationToken.None);
        Assert.Equal(ErrorCodes.SignalingMalformed, result.ErrorCode);
    }

    [Fact]
    public async Task ThousandsOfOffersFromOneClientAreRateLimited()
    {
        var client = NewClient();
        var offer = client.PublishOffer(("0", "audio", 3333, null));
        var limited = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var result = await _sfu.HandleOfferAsync(Meeting, Alice, "peer-a", offer, true, CancellationToken.None);
            limited += result.ErrorCode == ErrorCodes.SignalingRateLimited ? 1 : 0;
        }

        Assert.True(limited >= 9_000, $"{limited} offers were limited");
        Assert.True(_sender.Sent.Count(m => m.Type == 2) <= 120);
    }

    [Fact]
    public async Task HostMuteDropsAudioAtTheServerAndUnmuteRestoresIt()
    {
        var alice = await PublishAsync(Alice, "peer-a", ("0", "audio", 3333, null));
        var bob = NewClient();
        await _sfu.PeerJoinedAsync(Meeting, Bob, "peer-b", CancellationToken.None);
        var offer = await _sender.WaitForSdpAsync(Bob, 1);
        await _sfu.HandleAnswerAsync(Meeting, Bob, "peer-b", bob.Answer(offer), CancellationToken.None);
        await bob.ConnectAsync(offer);
        alice.Peer.SendRtp(3333, 1, 960, 111, [1]);
        await bob.Peer.WaitForRtpAsync(p => p.Payload[0] == 1);

        _sfu.SetAudioMuted(Meeting, Alice, true);
        for (ushort i = 2; i < 12; i++)
        {
            alice.Peer.SendRtp(3333, i, 960u * i, 111, [2]);
        }

        await WaitUntilAsync(() => _sfu.MediaServer!.Counters.MutedDropsTotal >= 10);
        Assert.DoesNotContain(bob.Peer.Rtp, p => p.Payload[0] == 2);

        _sfu.SetAudioMuted(Meeting, Alice, false);
        alice.Peer.SendRtp(3333, 12, 960u * 12, 111, [3]);
        await bob.Peer.WaitForRtpAsync(p => p.Payload[0] == 3);
    }

    [Fact]
    public async Task MuteEventOnTheMeetingBusDropsAudioAndDemotionStopsForwarding()
    {
        var alice = await PublishAsync(Alice, "peer-a", ("0", "audio", 3333, null));
        var bob = NewClient();
        await _sfu.PeerJoinedAsync(Meeting, Bob, "peer-b", CancellationToken.None);
        var offer = await _sender.WaitForSdpAsync(Bob, 1);
        await _sfu.HandleAnswerAsync(Meeting, Bob, "peer-b", bob.Answer(offer), CancellationToken.None);
        await bob.ConnectAsync(offer);

        await _events.PublishAsync(new ParticipantMuted(Meeting, Alice, Bob, "audio"), CancellationToken.None);
        for (ushort i = 1; i < 11; i++)
        {
            alice.Peer.SendRtp(3333, i, 960u * i, 111, [7]);
        }

        await WaitUntilAsync(() => _sfu.MediaServer!.Counters.MutedDropsTotal >= 10);
        Assert.Empty(bob.Peer.Rtp);

        await _events.PublishAsync(new RoleChanged(Meeting, Alice, MeetingRole.Audience, Bob), CancellationToken.None);
        var second = await _sender.WaitForSdpAsync(Bob, 1, skip: 1);
        Assert.True(SdpParser.TryParse(second, out var description, out _));
        Assert.Equal(SdpDirection.Inactive, Assert.Single(description.Media).Direction);
    }

    [Fact]
    public async Task WhenThePublisherLeavesTheSubscribersSectionsGoInactive()
    {
        await PublishAsync(Alice, "peer-a", ("0", "audio", 3333, null));
        var bob = NewClient();
        await _sfu.PeerJoinedAsync(Meeting, Bob, "peer-b", CancellationToken.None);
        var offer = await _sender.WaitForSdpAsync(Bob, 1);
        await _sfu.HandleAnswerAsync(Meeting, Bob, "peer-b", bob.Answer(offer), CancellationToken.None);

        await _sfu.PeerLeftAsync(Meeting, Alice, "peer-a", CancellationToken.None);

        var second = await _sender.WaitForSdpAsync(Bob, 1, skip: 1);
        Assert.True(SdpParser.TryParse(second, out var description, out _));
        Assert.Equal(SdpDirection.Inactive, Assert.Single(description.Media).Direction);
    }

    [Fact]
    public async Task ActiveSpeakerIsAnnouncedFromAudioLevels()
    {
        var alice = await PublishAsync(Alice, "peer-a", ("0", "audio", 3333, null));
        for (ushort i = 1; i < 40; i++)
        {
            // RFC 6464 one-byte extension id 1: V=1, level 20 -dBov.
            alice.Peer.SendRtp(3333, i, 960u * i, 111, [9], [0xBE, 0xDE, 0x00, 0x01, 0x10, 0x80 | 20, 0x00, 0x00]);
        }

        await WaitUntilAsync(() => _sender.Sent.Any(m => m.Type == 10));
        var notice = (ActiveSpeakerPayload)_sender.Sent.First(m => m.Type == 10).Payload;
        Assert.Equal(new ActiveSpeakerPayload("active_speaker", "audio", Alice, "peer-a", 0), notice);
    }

    private static async Task SendVideoAsync(SdpClient client, uint ssrc, CancellationToken cancellationToken)
    {
        ushort sequence = 100;
        while (!cancellationToken.IsCancellationRequested)
        {
            var keyframe = sequence % 10 == 0;
            client.Peer.SendRtp(ssrc, sequence, 3000u * sequence, 96, [0x10, keyframe ? (byte)0 : (byte)1, 5, 6]);
            sequence++;
            await Task.Delay(5, CancellationToken.None);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 10 s.");
            await Task.Delay(10);
        }
    }
}
