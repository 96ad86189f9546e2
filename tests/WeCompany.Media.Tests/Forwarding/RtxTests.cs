using WeCompany.Media.Forwarding;
using WeCompany.Media.Rtcp;

namespace WeCompany.Media.Tests.Forwarding;

// RFC 4588 toward subscribers: a NACKed packet comes back on the RTX SSRC with the original sequence number first.
public sealed class RtxTests
{
    [Fact]
    public async Task SubscriberNackIsAnsweredOnTheRtxSsrcWithTheOriginalSequenceNumber()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var (bob, bobPeer) = await sfu.ConnectAsync("bob");
        var track = alicePeer.AddPublishedTrack(new PublishedTrackOptions { Ssrc = 1111, Kind = MediaKind.Video, Mid = "0", Vp8PayloadTypes = [96] });
        var down = bobPeer.AddDownTrack(5555, MediaKind.Video, 90000, track);
        var rtxTypes = new byte[128];
        rtxTypes[96] = 97; // a=fmtp:97 apt=96
        down.EnableRtx(5556, rtxTypes);
        ushort? lost = null;
        bob.LoseIncoming = sequence =>
        {
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

        var nack = new byte[64];
        var length = RtcpFeedback.WriteNack(nack, 77, 5555, [lost!.Value]);
        bob.SendRtcp(nack.AsSpan(0, length));

        var repaired = await bob.WaitForRtpAsync(p => p.Ssrc == 5556);
        Assert.Equal(97, repaired.PayloadType);
        Assert.Equal(lost.Value, (ushort)((repaired.Payload[0] << 8) | repaired.Payload[1]));
        // After the OSN, the original payload: the synthetic packet carries its own sequence number in bytes 4–5.
        Assert.Equal(first.Payload.Length + 2, repaired.Payload.Length);
        Assert.Equal(first.Payload[4] + 1, repaired.Payload[6]);
        Assert.DoesNotContain(bob.Rtp, p => p.Ssrc == 5555 && p.Sequence == lost);
    }
}
