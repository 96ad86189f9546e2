using System.Text.Json;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Sfu;
using WeCompany.Server.Tests.Signaling;

namespace WeCompany.Server.Tests.Sfu;

// The whole server: signaling's socket carries offers to user 0 and the SFU's answers and offers back; media flows
// between loopback clients made of our own client-role pieces.
public sealed class SfuSignalingTests
{
    private static Task<TestServer> StartAsync() =>
        SignalingMeeting.StartServerAsync(new Dictionary<string, string?> { ["Media:PublicAddresses:0"] = "127.0.0.1" });

    private static string Sdp(JsonElement message) => message.GetProperty("payload").GetProperty("sdp").GetString()!;

    [Fact]
    public async Task OfferThroughSignalingIsAnsweredAndALaterJoinerReceivesThePublishersMedia()
    {
        await using var server = await StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var aliceUser = await meeting.ParticipantAsync();
        var bobUser = await meeting.ParticipantAsync();
        var (aliceSocket, _) = await meeting.JoinAsync(aliceUser, "peer_alice");
        await using var a = aliceSocket;
        using var alice = new SdpClient();
        using var bob = new SdpClient();

        await a.SendAsync(new { id = "o1", type = 1, payload = new { type = "offer", sdp = alice.PublishOffer(("0", "audio", 3333, null), ("1", "video", 1111, 1112)) } });
        var answer = await a.WaitForAsync(2);
        Assert.Equal(0, answer.GetProperty("from_user_id").GetInt64());
        Assert.Equal("answer", answer.GetProperty("payload").GetProperty("type").GetString());
        await alice.ConnectAsync(Sdp(answer));

        var (bobSocket, _) = await meeting.JoinAsync(bobUser, "peer_bob");
        await using var b = bobSocket;
        var offer = await b.WaitForAsync(1);
        Assert.Equal(0, offer.GetProperty("from_user_id").GetInt64());
        await b.SendAsync(new { id = "a1", type = 2, payload = new { type = "answer", sdp = bob.Answer(Sdp(offer)) } });
        Assert.All(bob.Incoming.Values, i => Assert.Equal("peer_alice", i.StreamId));
        await bob.ConnectAsync(Sdp(offer));

        alice.Peer.SendRtp(3333, 1, 960, 111, [0x11]);
        await bob.Peer.WaitForRtpAsync(p => p.PayloadType == 111 && p.Payload[0] == 0x11);

        // Alice mutes herself through media-control: the SFU drops what her client still sends.
        await a.SendAsync(new { id = "m1", type = 10, payload = new { action = "mute", media_type = "audio" } });
        await a.WaitForAsync(10);
        var sfu = server.Service<SfuService>();
        for (ushort i = 2; i < 12; i++)
        {
            alice.Peer.SendRtp(3333, i, 960u * i, 111, [0x22]);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (sfu.MediaServer!.Counters.MutedDropsTotal < 10)
        {
            Assert.True(DateTime.UtcNow < deadline, "The SFU did not drop the muted audio.");
            await Task.Delay(10);
        }

        Assert.DoesNotContain(bob.Peer.Rtp, p => p.Payload[0] == 0x22);
    }

    [Fact]
    public async Task AudienceOfferToPublishIsAnsweredWithErrorThirteen()
    {
        await using var server = await StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var viewer = await meeting.ParticipantAsync("audience");
        var (socket, _) = await meeting.JoinAsync(viewer, "peer_viewer");
        await using var s = socket;
        using var client = new SdpClient();

        await s.SendAsync(new { id = "o1", type = 1, payload = new { type = "offer", sdp = client.PublishOffer(("0", "video", 1111, null)) } });

        var error = await s.WaitForAsync(13);
        Assert.Equal(ErrorCodes.SignalingForbidden, error.GetProperty("payload").GetProperty("code").GetInt32());
        Assert.Equal("o1", error.GetProperty("payload").GetProperty("ref_id").GetString());
    }
}
