using WeCompany.Media.Forwarding;
using WeCompany.Media.Rtcp;

namespace WeCompany.Media.Tests.Forwarding;

// Two loopback clients built from our own client-role pieces talk through the real MediaServer.
public sealed class ForwardingTests
{
    private static PublishedTrackOptions Camera(uint ssrc, string mid = "0") =>
        new() { Ssrc = ssrc, Kind = MediaKind.Video, Mid = mid, Vp8PayloadTypes = [96] };

    [Fact]
    public async Task PublishedVideoReachesTheSubscriberRewrittenAndDecryptable()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var (bob, bobPeer) = await sfu.ConnectAsync("bob");
        var track = alicePeer.AddPublishedTrack(Camera(1111));
        bobPeer.AddDownTrack(5555, MediaKind.Video, 90000, track);

        // The subscriber starting asks the publisher for a key frame.
        await alice.WaitForFeedbackAsync(RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication, 1111);

        sfu.PublishVideo(alice, 1111);
        var first = await bob.WaitForRtpAsync(p => p.Ssrc == 5555);

        // Forwarding starts at a key frame, keeps the payload byte for byte and the publisher's payload type.
        Assert.Equal(0x10, first.Payload[0]);
        Assert.Equal(0x00, first.Payload[1]);
        Assert.Equal(96, first.PayloadType);
        Assert.Equal([0xAB, 0xCD, (byte)first.Sequence, (byte)(first.Sequence >> 8)], first.Payload[2..]);
        await bob.WaitForRtpAsync(p => p.Ssrc == 5555 && p.Sequence == (ushort)(first.Sequence + 5));
        Assert.DoesNotContain(bob.Rtp, p => p.Ssrc == 1111);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1)]
    public async Task EverySubscriberGetsEveryPacketWithAndWithoutSendBatching(int sendBatchSize)
    {
        await using var sfu = SfuLoopback.Start(new MediaServerOptions { SendBatchSize = sendBatchSize });
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var track = alicePeer.AddPublishedTrack(Camera(1111));
        var subscribers = new List<LoopbackClientPeer>();
        for (var i = 0; i < 4; i++)
        {
            var (client, peer) = await sfu.ConnectAsync($"sub{i}");
            peer.AddDownTrack((uint)(5000 + i), MediaKind.Video, 90000, track);
            subscribers.Add(client);
        }

        sfu.PublishVideo(alice, 1111);
        // Each subscriber sees 50 consecutive sequence numbers on its own SSRC after its first packet: nothing lost, nothing crossed.
        for (var i = 0; i < subscribers.Count; i++)
        {
            var ssrc = (uint)(5000 + i);
            var first = await subscribers[i].WaitForRtpAsync(p => p.Ssrc == ssrc);
            await subscribers[i].WaitForRtpAsync(p => p.Ssrc == ssrc && p.Sequence == (ushort)(first.Sequence + 50));
            var sequences = subscribers[i].Rtp.Where(p => p.Ssrc == ssrc).Select(p => (ushort)(p.Sequence - first.Sequence)).Where(d => d <= 50).Distinct().Count();
            Assert.Equal(51, sequences);
            Assert.DoesNotContain(subscribers[i].Rtp, p => p.Ssrc != ssrc);
        }

        Assert.Equal(0, sfu.Server.Counters.SendErrorsTotal);
    }

    [Fact]
    public async Task ForwardingAllocatesNothingPerPacketOnTheReceiveLoop()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var subscribers = new List<LoopbackClientPeer>();
        var track = alicePeer.AddPublishedTrack(Camera(1111));
        for (var i = 0; i < 3; i++)
        {
            var (client, peer) = await sfu.ConnectAsync($"sub{i}");
            peer.AddDownTrack((uint)(5000 + i), MediaKind.Video, 90000, track);
            subscribers.Add(client);
        }

        sfu.PublishVideo(alice, 1111);
        // Warm up (JIT, pools, first SSRC contexts), then compare the loop thread's allocation counter over 600 packets.
        await SfuLoopback.WaitUntilAsync(() => subscribers.All(s => s.Rtp.Count >= 200));
        var counters = sfu.Server.Counters;
        var start = counters.DatagramsReceivedTotal;
        await SfuLoopback.WaitUntilAsync(() => counters.DatagramsReceivedTotal >= start + 128);
        var before = sfu.Server.ReceiveLoopAllocatedBytes;
        var forwardedBefore = counters.RtpSentTotal;
        await SfuLoopback.WaitUntilAsync(() => counters.DatagramsReceivedTotal >= start + 728);
        var after = sfu.Server.ReceiveLoopAllocatedBytes;

        Assert.True(counters.RtpSentTotal - forwardedBefore >= 1000);
        Assert.True(after - before < 1024, $"The receive loop allocated {after - before} bytes while forwarding.");
    }

    [Fact]
    public async Task SubscriberNackIsAnsweredFromTheRetransmissionBuffer()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var (bob, bobPeer) = await sfu.ConnectAsync("bob");
        var track = alicePeer.AddPublishedTrack(Camera(1111));
        bobPeer.AddDownTrack(5555, MediaKind.Video, 90000, track);
        ushort? lost = null;
        bob.LoseIncoming = sequence =>
        {
            // The first packet after the one that reached Bob first is lost on the way, once.
            if (lost is null && !bob.Rtp.IsEmpty)
            {
                lost = sequence;
                return true;
            }

            return false;
        };
        sfu.PublishVideo(alice, 1111);
        await SfuLoopback.WaitUntilAsync(() => lost is not null);
        var first = bob.Rtp.First(p => p.Ssrc == 5555);
        Assert.Equal((ushort)(first.Sequence + 1), lost);
        Assert.DoesNotContain(bob.Rtp, p => p.Sequence == lost);

        var nack = new byte[64];
        var length = RtcpFeedback.WriteNack(nack, 77, 5555, [lost!.Value]);
        bob.SendRtcp(nack.AsSpan(0, length));

        // The retransmission carries the original payload (its sequence number is in bytes 4–5).
        var repaired = await bob.WaitForRtpAsync(p => p.Ssrc == 5555 && p.Sequence == lost);
        Assert.Equal(first.Payload[4] + 1, repaired.Payload[4]);
        await SfuLoopback.WaitUntilAsync(() => sfu.Server.Counters.RetransmissionsTotal == 1);
    }

    [Fact]
    public async Task SubscriberPliReachesThePublisherAsAPliForItsOwnSsrc()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var (bob, bobPeer) = await sfu.ConnectAsync("bob");
        var track = alicePeer.AddPublishedTrack(Camera(1111));
        bobPeer.AddDownTrack(5555, MediaKind.Video, 90000, track);
        await alice.WaitForFeedbackAsync(RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication, 1111);
        alice.Rtcp.Clear();

        var pli = new byte[RtcpFeedback.CommonLength];
        RtcpFeedback.WritePictureLossIndication(pli, 77, 5555);
        bob.SendRtcp(pli);

        await alice.WaitForFeedbackAsync(RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication, 1111);
        Assert.Equal(1, sfu.Server.Counters.KeyframeRequestsTotal);
    }

    [Fact]
    public async Task PublisherSenderReportReachesTheSubscriberInItsOwnNumbering()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var (bob, bobPeer) = await sfu.ConnectAsync("bob");
        var track = alicePeer.AddPublishedTrack(Camera(1111));
        bobPeer.AddDownTrack(5555, MediaKind.Video, 90000, track);
        sfu.PublishVideo(alice, 1111);
        await bob.WaitForRtpAsync(p => p.Ssrc == 5555);

        var report = new byte[28];
        SenderReport.Write(report, 1111, 0xE000_0000_8000_0000UL, 123_456, 10, 1000, []);
        alice.SendRtcp(report);

        var forwarded = await bob.WaitForRtpcAsync(p => SenderReport.TryRead(p, out var sr) && sr.SenderSsrc == 5555);
        var reader = new RtcpCompoundReader(forwarded);
        Assert.True(reader.TryReadNext(out var packet));
        Assert.True(SenderReport.TryRead(packet, out var received));
        Assert.Equal(0xE000_0000_8000_0000UL, received.NtpTimestamp);
        // The first source keeps its own timestamps, so the mapping is unchanged.
        Assert.Equal(123_456u, received.RtpTimestamp);
    }

    [Fact]
    public async Task SfuNacksThePublisherForAGapInItsStream()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        alicePeer.AddPublishedTrack(Camera(1111));
        byte[] payload = [0x10, 0x01, 1, 2];
        alice.SendRtp(1111, 200, 1000, 96, payload);
        alice.SendRtp(1111, 201, 1000, 96, payload);
        alice.SendRtp(1111, 203, 4000, 96, payload);

        var nack = await alice.WaitForFeedbackAsync(RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.GenericNack, 1111);
        var reader = new RtcpCompoundReader(nack);
        Assert.True(reader.TryReadNext(out var packet));
        var lost = new ushort[16];
        var count = RtcpFeedback.ReadNackSequenceNumbers(packet, lost);
        Assert.Equal([(ushort)202], lost[..count]);
    }

    [Fact]
    public async Task SwitchingTheSourceKeepsSequenceNumbersContinuous()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var (bob, bobPeer) = await sfu.ConnectAsync("bob");
        var camera = alicePeer.AddPublishedTrack(Camera(1111, "0"));
        var screen = alicePeer.AddPublishedTrack(Camera(2222, "1"));
        var down = bobPeer.AddDownTrack(5555, MediaKind.Video, 90000, camera);
        sfu.PublishVideo(alice, 1111, firstSequence: 1000);
        sfu.PublishVideo(alice, 2222, firstSequence: 40000);
        await bob.WaitForRtpAsync(p => p.Ssrc == 5555);

        down.SwitchSource(screen);
        // Screen packets carry their own sequence number in bytes 4–5 of the payload.
        var firstScreen = await bob.WaitForRtpAsync(p => p.Ssrc == 5555 && p.Payload[5] >= 40000 >> 8);

        var ordered = bob.Rtp.Where(p => p.Ssrc == 5555).ToList();
        var index = ordered.IndexOf(firstScreen);
        Assert.True(index > 0);
        Assert.Equal((ushort)(ordered[index - 1].Sequence + 1), firstScreen.Sequence);
        // The timestamp moves on by the wall time between the two packets: at most the test's own time so far (a
        // loaded machine can stall the forwarding for a second); a step back would wrap to billions.
        var advance = firstScreen.Timestamp - ordered[index - 1].Timestamp;
        var bound = (uint)((clock.Elapsed.TotalSeconds + 0.1) * 90000);
        Assert.True(advance > 0 && advance < bound, $"the timestamp advanced by {advance} (90 kHz) at the switch, bound {bound}");
        Assert.Equal(0x00, firstScreen.Payload[1]);
    }

    [Fact]
    public async Task MutedAudioIsDroppedAtTheServerAndFlowsAgainWhenUnmuted()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var (bob, bobPeer) = await sfu.ConnectAsync("bob");
        var microphone = alicePeer.AddPublishedTrack(new PublishedTrackOptions { Ssrc = 3333, Kind = MediaKind.Audio, Mid = "0", ClockRate = 48000 });
        bobPeer.AddDownTrack(6666, MediaKind.Audio, 48000, microphone);
        ushort sequence = 1;
        alice.SendRtp(3333, sequence++, 960, 111, [1, 2, 3]);
        await bob.WaitForRtpAsync(p => p.Ssrc == 6666);

        microphone.Muted = true;
        for (var i = 0; i < 20; i++)
        {
            alice.SendRtp(3333, sequence++, 960u * sequence, 111, [1, 2, 3]);
        }

        await SfuLoopback.WaitUntilAsync(() => sfu.Server.Counters.MutedDropsTotal >= 20);
        Assert.Single(bob.Rtp, p => p.Ssrc == 6666);

        microphone.Muted = false;
        alice.SendRtp(3333, sequence, 960u * sequence, 111, [4, 5, 6]);
        await bob.WaitForRtpAsync(p => p.Ssrc == 6666 && p.Payload[0] == 4);
    }

    [Fact]
    public async Task PublisherWithTransportCcGetsFeedback()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        alicePeer.ExtensionIds = new RtpExtensionIds(AudioLevel: 1, TransportSequence: 3, AbsSendTime: 0);
        alicePeer.AddPublishedTrack(Camera(1111));
        for (ushort i = 0; i < 10; i++)
        {
            // RFC 8285 one-byte form: id 3, length 2 (written as 1), the transport sequence number, one padding byte.
            byte[] extension = [0xBE, 0xDE, 0x00, 0x01, 0x31, 0x00, (byte)i, 0x00];
            alice.SendRtp(1111, (ushort)(500 + i), 9000, 96, [0x10, 0x01, 7], extension);
        }

        var feedback = await alice.WaitForFeedbackAsync(RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.TransportCc);
        var reader = new RtcpCompoundReader(feedback);
        Assert.True(reader.TryReadNext(out var packet));
        Assert.True(TransportCcFeedback.TryReadHeader(packet, out var baseSequence, out var statusCount, out _, out _));
        Assert.Equal(0, baseSequence);
        Assert.True(statusCount >= 1);
    }

    [Fact]
    public async Task PeerThatNeverCompletesDtlsIsClosedAfterTheDeadline()
    {
        await using var sfu = SfuLoopback.Start(new MediaServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using var client = new LoopbackClientPeer();
        var peer = sfu.Server.CreatePeer("silent", client.Ice.Ufrag, client.Ice.Password, client.Fingerprint);

        await SfuLoopback.WaitUntilAsync(() => peer.State == MediaPeerState.Closed);
        Assert.Contains("DTLS", peer.CloseReason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, sfu.Server.PeerCount);
    }
}
