using System.Text.Json;
using WeCompany.Server.Presence;
using WeCompany.Server.Tests.Meetings;

namespace WeCompany.Server.Tests.Signaling;

public sealed class SignalingResumeTests
{
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(SignalingClient.Timeout);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (!condition())
        {
            await tick.WaitForNextTickAsync(deadline.Token);
        }
    }

    private static async Task<List<JsonElement>> ReadUntilPongAsync(SignalingClient client)
    {
        await client.SendAsync(new { type = 11 });
        var seen = new List<JsonElement>();
        while (true)
        {
            var message = (await client.ReceiveAsync())!.Value;
            if (message.GetProperty("type").GetInt32() == 12)
            {
                return seen;
            }
            seen.Add(message);
        }
    }

    [Fact]
    public async Task AReconnectWithTheSamePeerIdResumesQuietlyAndReplaysMissedChatFirst()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        var (b, _) = await meeting.JoinAsync(bob, "peer_bob");
        await a.WaitForAsync(6);
        await a.SendAsync(new { type = 8, payload = new { content = "before" } });
        await b.WaitForAsync(8);
        var presence = server.Service<PresenceRegistry>();

        b.Socket.Abort();
        await WaitUntilAsync(() => !presence.IsOnline(bob.Id));
        await a.SendAsync(new { type = 8, payload = new { content = "missed 1" } });
        await a.SendAsync(new { type = 8, payload = new { content = "missed 2" } });
        await a.WaitForAsync(8, m => m.GetProperty("payload").GetProperty("content").GetString() == "missed 2");
        await using var resumed = await SignalingClient.ConnectAsync(meeting.SocketUri(bob, "peer_bob"));
        await a.SendAsync(new { type = 8, payload = new { content = "after" } });
        // Clients send join-room on every open (the web client does); for a live session it resumes.
        await resumed.SendAsync(new { type = 4, payload = new { } });

        var info = (await resumed.ReceiveAsync())!.Value;
        Assert.Equal(14, info.GetProperty("type").GetInt32());
        Assert.True(info.GetProperty("payload").GetProperty("resumed").GetBoolean());
        var contents = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            var chat = (await resumed.ReceiveAsync())!.Value;
            Assert.Equal(8, chat.GetProperty("type").GetInt32());
            contents.Add(chat.GetProperty("payload").GetProperty("content").GetString());
        }
        Assert.Equal(["missed 1", "missed 2", "after"], contents);
        // Alice saw no user-left / user-joined pair.
        var aliceSaw = await ReadUntilPongAsync(a);
        Assert.DoesNotContain(aliceSaw, m => m.GetProperty("type").GetInt32() is 6 or 7);
        await b.DisposeAsync();
    }

    [Fact]
    public async Task AResumingClientThatSaysWhatItLastSawGetsEverythingAfterThat()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        var (b, _) = await meeting.JoinAsync(bob, "peer_bob");
        await a.SendAsync(new { type = 8, payload = new { content = "one" } });
        await a.SendAsync(new { type = 8, payload = new { content = "two" } });
        await b.WaitForAsync(8, m => m.GetProperty("payload").GetProperty("seq").GetInt64() == 2);
        var presence = server.Service<PresenceRegistry>();
        b.Socket.Abort();
        await WaitUntilAsync(() => !presence.IsOnline(bob.Id));

        var uri = new Uri(meeting.SocketUri(bob, "peer_bob") + "&last_seq=1");
        await using var resumed = await SignalingClient.ConnectAsync(uri);
        await resumed.SendAsync(new { type = 4, payload = new { } });

        Assert.True((await resumed.WaitForAsync(14)).GetProperty("payload").GetProperty("resumed").GetBoolean());
        Assert.Equal("two", (await resumed.ReceiveAsync())!.Value.GetProperty("payload").GetProperty("content").GetString());
        await b.DisposeAsync();
    }

    [Fact]
    public async Task AfterTheGracePeriodTheParticipantHasLeft()
    {
        await using var server = await SignalingMeeting.StartServerAsync(new() { ["Signaling:ResumeGraceSeconds"] = "1", ["Signaling:SweepIntervalMilliseconds"] = "100" });
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        var (b, _) = await meeting.JoinAsync(bob, "peer_bob");

        b.Socket.Abort();

        var left = await a.WaitForAsync(7);
        Assert.Equal(bob.Id, left.GetProperty("payload").GetProperty("user_id").GetInt64());
        await MeetingKit.EventuallyAsync(async () => (await meeting.PresentAsync()).All(p => p.GetProperty("user_id").GetInt64() != bob.Id),
            TimeSpan.FromSeconds(10), "REST no longer lists bob");
        Assert.Equal(403, await SignalingClient.RefusedStatusAsync(meeting.SocketUri(bob, "peer_bob")));
        await b.DisposeAsync();
    }
}
