using WeCompany.Media.Forwarding;

namespace WeCompany.Media.Tests.Forwarding;

// A subscriber that numbered the forwarded codec differently (aiortc renumbers when it offers) gets its own numbers.
public sealed class PayloadTypeMapTests
{
    [Fact]
    public async Task SubscriberReceivesTheForwardedVideoWithItsOwnPayloadType()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var (bob, bobPeer) = await sfu.ConnectAsync("bob");
        var (carol, carolPeer) = await sfu.ConnectAsync("carol");
        var track = alicePeer.AddPublishedTrack(new PublishedTrackOptions { Ssrc = 1111, Kind = MediaKind.Video, Mid = "0", Vp8PayloadTypes = [96] });
        var renumbered = bobPeer.AddDownTrack(5555, MediaKind.Video, 90000, track);
        carolPeer.AddDownTrack(6666, MediaKind.Video, 90000, track);
        var map = new byte[128];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = (byte)i;
        }

        map[96] = 97;
        renumbered.SetPayloadTypeMap(map);

        sfu.PublishVideo(alice, 1111);

        var first = await bob.WaitForRtpAsync(p => p.Ssrc == 5555);
        Assert.Equal(97, first.PayloadType);
        Assert.Equal(0x10, first.Payload[0]);
        // Another subscriber of the same track keeps the publisher's number.
        Assert.Equal(96, (await carol.WaitForRtpAsync(p => p.Ssrc == 6666)).PayloadType);
    }
}
