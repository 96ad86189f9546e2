using System.Text.Json;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Tests.Meetings;

namespace WeCompany.Server.Tests.Signaling;

public sealed class SignalingRoomTests
{
    [Fact]
    public async Task JoinRoomAnswersRoomInfoAsTheSpecificationShowsAndTellsTheOthers()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var (aliceClient, _) = await meeting.JoinAsync(alice, "peer_alice");
        await using var a = aliceClient;

        var (bobClient, roomInfo) = await meeting.JoinAsync(bob, "peer_bob");
        await using var b = bobClient;

        Assert.Equal(0, roomInfo.GetProperty("from_user_id").GetInt64());
        Assert.Equal(meeting.Id, roomInfo.GetProperty("meeting_id").GetInt64());
        Assert.Equal("peer_bob", roomInfo.GetProperty("peer_id").GetString());
        Assert.StartsWith("msg_", roomInfo.GetProperty("id").GetString(), StringComparison.Ordinal);
        var payload = roomInfo.GetProperty("payload");
        Assert.Equal(meeting.Id, payload.GetProperty("meeting_id").GetInt64());
        Assert.Equal(2, payload.GetProperty("participant_count").GetInt32());
        Assert.Equal(roomInfo.GetProperty("session_id").GetString(), payload.GetProperty("session_id").GetString());
        Assert.StartsWith("session_", payload.GetProperty("session_id").GetString(), StringComparison.Ordinal);
        Assert.Equal("peer_bob", payload.GetProperty("peer_id").GetString());
        Assert.Equal("stun:127.0.0.1:3478", payload.GetProperty("ice_servers")[0].GetProperty("urls").GetString());
        var participants = payload.GetProperty("participants").EnumerateArray().ToList();
        var aliceEntry = participants.Single(p => p.GetProperty("user_id").GetInt64() == alice.Id);
        Assert.Equal(alice.Username, aliceEntry.GetProperty("username").GetString());
        Assert.Equal("peer_alice", aliceEntry.GetProperty("peer_id").GetString());
        Assert.False(aliceEntry.GetProperty("is_self").GetBoolean());
        Assert.EndsWith("Z", aliceEntry.GetProperty("joined_at").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("Z", aliceEntry.GetProperty("last_active_at").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("session_", aliceEntry.GetProperty("session_id").GetString(), StringComparison.Ordinal);
        Assert.True(participants.Single(p => p.GetProperty("user_id").GetInt64() == bob.Id).GetProperty("is_self").GetBoolean());

        var joined = await a.WaitForAsync(6);
        Assert.Equal(bob.Id, joined.GetProperty("from_user_id").GetInt64());
        Assert.Equal(bob.Id, joined.GetProperty("payload").GetProperty("user_id").GetInt64());
        Assert.Equal("peer_bob", joined.GetProperty("payload").GetProperty("peer_id").GetString());
    }

    [Fact]
    public async Task LeaveRoomTellsTheOthersUserLeftAndRecordsTheDeparture()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;

        await b.SendAsync(new { type = 5, payload = new { } });

        var left = await a.WaitForAsync(7);
        Assert.Equal(bob.Id, left.GetProperty("payload").GetProperty("user_id").GetInt64());
        Assert.Equal("left", left.GetProperty("payload").GetProperty("reason").GetString());
        await MeetingKit.EventuallyAsync(async () => (await meeting.PresentAsync()).All(p => p.GetProperty("user_id").GetInt64() != bob.Id),
            TimeSpan.FromSeconds(10), "REST no longer lists bob");
    }

    [Fact]
    public async Task AClosedSocketBecomesUserLeftOnceTheGracePeriodEnds()
    {
        await using var server = await SignalingMeeting.StartServerAsync(new() { ["Signaling:ResumeGraceSeconds"] = "1", ["Signaling:SweepIntervalMilliseconds"] = "100" });
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        var (b, _) = await meeting.JoinAsync(bob);

        await b.DisposeAsync();

        var left = await a.WaitForAsync(7);
        Assert.Equal(bob.Id, left.GetProperty("payload").GetProperty("user_id").GetInt64());
        Assert.Equal("disconnected", left.GetProperty("payload").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task OfferAnswerAndCandidatesReachOnlyTheirTarget()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var carol = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;
        var (c, _) = await meeting.JoinAsync(carol);
        await using var _c = c;

        await a.SendAsync(new { id = "o", type = 1, to_user_id = bob.Id, payload = new { sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n", type = "offer" } });
        var offer = await b.WaitForAsync(1);
        await b.SendAsync(new { id = "a", type = 2, to_user_id = alice.Id, payload = new { sdp = "v=0\r\nanswer\r\n", type = "answer" } });
        var answer = await a.WaitForAsync(2);
        await a.SendAsync(new { type = 3, to_user_id = bob.Id, payload = new { candidate = "candidate:1 1 UDP 2130706431 127.0.0.1 54321 typ host", sdpMid = "0", sdpMLineIndex = 0 } });
        var candidate = await b.WaitForAsync(3);

        Assert.Equal(alice.Id, offer.GetProperty("from_user_id").GetInt64());
        Assert.Equal(bob.Id, offer.GetProperty("to_user_id").GetInt64());
        Assert.Equal("peer-" + alice.Id, offer.GetProperty("peer_id").GetString());
        Assert.Equal("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n", offer.GetProperty("payload").GetProperty("sdp").GetString());
        Assert.Equal("answer", answer.GetProperty("payload").GetProperty("type").GetString());
        Assert.Equal(0, candidate.GetProperty("payload").GetProperty("sdpMLineIndex").GetInt32());
        // Carol saw none of it: her next message is the pong to her own ping.
        await c.SendAsync(new { type = 11 });
        var next = await c.ReceiveAsync();
        Assert.Equal(12, next!.Value.GetProperty("type").GetInt32());
    }

    [Fact]
    public async Task AnOfferToAUserOfAnotherMeetingIsAnError()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var other = await SignalingMeeting.CreateAsync(server);
        var stranger = await other.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        var (s, _) = await other.JoinAsync(stranger);
        await using var _s = s;

        await a.SendAsync(new { id = "o", type = 1, to_user_id = stranger.Id, payload = new { sdp = "v=0\r\n", type = "offer" } });

        var error = await a.WaitForAsync(13);
        Assert.Equal(ErrorCodes.SignalingTargetUnknown, error.GetProperty("payload").GetProperty("code").GetInt32());
        Assert.Equal("o", error.GetProperty("payload").GetProperty("ref_id").GetString());
        await s.SendAsync(new { type = 11 });
        Assert.Equal(12, (await s.ReceiveAsync())!.Value.GetProperty("type").GetInt32());
        await a.SendAsync(new { type = 11 });
        await a.WaitForAsync(12);
    }

    [Fact]
    public async Task ChatBeforeJoinRoomIsAnErrorAndJoinThenWorks()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        await using var client = await SignalingClient.ConnectAsync(meeting.SocketUri(alice));

        await client.SendAsync(new { id = "early", type = 8, payload = new { content = "hello?" } });
        var error = await client.WaitForAsync(13);
        await client.SendAsync(new { type = 4, payload = new { } });
        await client.WaitForAsync(14);

        Assert.Equal(ErrorCodes.SignalingNotJoined, error.GetProperty("payload").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task ASecondConnectionOfTheSameUserWithAnotherPeerIdReplacesTheFirst()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        var (oldTab, _) = await meeting.JoinAsync(bob, "tab-1");
        await using var _old = oldTab;

        var (newTab, info) = await meeting.JoinAsync(bob, "tab-2");
        await using var _new = newTab;

        var (code, _) = await oldTab.WaitForCloseAsync();
        Assert.Equal(4001, code);
        var left = await a.WaitForAsync(7);
        Assert.Equal("tab-1", left.GetProperty("payload").GetProperty("peer_id").GetString());
        Assert.Equal("replaced", left.GetProperty("payload").GetProperty("reason").GetString());
        var joined = await a.WaitForAsync(6);
        Assert.Equal("tab-2", joined.GetProperty("payload").GetProperty("peer_id").GetString());
        Assert.Equal(2, info.GetProperty("payload").GetProperty("participant_count").GetInt32());
    }

    internal static int Code(JsonElement error) => error.GetProperty("payload").GetProperty("code").GetInt32();
}
