using WeCompany.Protocol.Rest;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Tests.Signaling;

public sealed class SignalingModerationTests
{
    [Fact]
    public async Task AKickedUserGetsANoticeTheirSocketClosesAndTheyCannotReconnect()
    {
        await using var server = await SignalingServer.StartAsync();
        var host = await server.ParticipantAsync(100, MeetingRole.Host);
        var bob = await server.ParticipantAsync(100);
        var (h, _) = await server.JoinAsync(100, host);
        await using var _h = h;
        var (b, _) = await server.JoinAsync(100, bob);
        await using var _b = b;

        await server.Directory.KickAsync(100, bob.Id, host.Id);

        var notice = await b.WaitForAsync(13);
        Assert.Equal(ErrorCodes.KickedFromMeeting, SignalingRoomTests.Code(notice));
        var (code, reason) = await b.WaitForCloseAsync();
        Assert.Equal(4002, code);
        Assert.Equal("kicked", reason);
        var left = await h.WaitForAsync(7);
        Assert.Equal("kicked", left.GetProperty("payload").GetProperty("reason").GetString());
        Assert.Equal(403, await SignalingClient.RefusedStatusAsync(server.SocketUri(100, bob)));
    }

    [Fact]
    public async Task AMuteFromRestIsSeenByEveryoneAndMuteAllSparesTheIssuer()
    {
        await using var server = await SignalingServer.StartAsync();
        var host = await server.ParticipantAsync(100, MeetingRole.Host);
        var bob = await server.ParticipantAsync(100);
        var (h, _) = await server.JoinAsync(100, host);
        await using var _h = h;
        var (b, _) = await server.JoinAsync(100, bob);
        await using var _b = b;

        await server.Directory.Bus!.PublishAsync(new ParticipantMuted(100, bob.Id, host.Id, "audio"), CancellationToken.None);
        var seenByHost = await h.WaitForAsync(10);
        var seenByBob = await b.WaitForAsync(10);
        await server.Directory.Bus.PublishAsync(new AllMuted(100, host.Id), CancellationToken.None);
        var all = await b.WaitForAsync(10);

        Assert.Equal("mute", seenByHost.GetProperty("payload").GetProperty("action").GetString());
        Assert.Equal(bob.Id, seenByBob.GetProperty("payload").GetProperty("user_id").GetInt64());
        Assert.Equal(host.Id, seenByBob.GetProperty("payload").GetProperty("by_user_id").GetInt64());
        Assert.Equal("mute_all", all.GetProperty("payload").GetProperty("action").GetString());
        Assert.Equal(host.Id, all.GetProperty("payload").GetProperty("by_user_id").GetInt64());
    }

    [Fact]
    public async Task ARoleChangeSendsEveryoneTheRoomWithTheNewRole()
    {
        await using var server = await SignalingServer.StartAsync();
        var host = await server.ParticipantAsync(100, MeetingRole.Host);
        var bob = await server.ParticipantAsync(100);
        var (h, _) = await server.JoinAsync(100, host);
        await using var _h = h;
        var (b, _) = await server.JoinAsync(100, bob);
        await using var _b = b;

        await server.Directory.ChangeRoleAsync(100, bob.Id, MeetingRole.CoHost, host.Id);

        var info = await h.WaitForAsync(14, m => m.GetProperty("payload").GetProperty("reason").GetString() == "role-changed");
        var bobEntry = info.GetProperty("payload").GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == bob.Id);
        Assert.Equal("co-host", bobEntry.GetProperty("role").GetString());
        await b.WaitForAsync(14, m => m.GetProperty("payload").GetProperty("reason").GetString() == "role-changed");
    }

    [Fact]
    public async Task EndingTheMeetingNotifiesAndClosesEverySocket()
    {
        await using var server = await SignalingServer.StartAsync();
        var host = await server.ParticipantAsync(100, MeetingRole.Host);
        var bob = await server.ParticipantAsync(100);
        var (h, _) = await server.JoinAsync(100, host);
        await using var _h = h;
        var (b, _) = await server.JoinAsync(100, bob);
        await using var _b = b;

        await server.Directory.EndAsync(100, host.Id);

        foreach (var client in new[] { h, b })
        {
            Assert.Equal(ErrorCodes.MeetingEnded, SignalingRoomTests.Code(await client.WaitForAsync(13)));
            var (code, reason) = await client.WaitForCloseAsync();
            Assert.Equal(4003, code);
            Assert.Equal("meeting ended", reason);
        }
    }

    [Fact]
    public async Task AParticipantMayMuteThemselvesButNotOthersAndAHostAsksInsteadOfUnmuting()
    {
        await using var server = await SignalingServer.StartAsync();
        var host = await server.ParticipantAsync(100, MeetingRole.Host);
        var bob = await server.ParticipantAsync(100);
        var carol = await server.ParticipantAsync(100);
        var (h, _) = await server.JoinAsync(100, host);
        await using var _h = h;
        var (b, _) = await server.JoinAsync(100, bob);
        await using var _b = b;
        var (c, _) = await server.JoinAsync(100, carol);
        await using var _c = c;

        await b.SendAsync(new { type = 10, payload = new { action = "mute", media_type = "audio", user_id = bob.Id } });
        var ownMute = await c.WaitForAsync(10);
        Assert.Equal(bob.Id, ownMute.GetProperty("payload").GetProperty("user_id").GetInt64());
        Assert.Contains((100L, bob.Id, "audio", true), server.Directory.MuteRecords);

        await b.SendAsync(new { id = "m", type = 10, payload = new { action = "mute", media_type = "audio", user_id = carol.Id } });
        Assert.Equal(ErrorCodes.SignalingForbidden, SignalingRoomTests.Code(await b.WaitForAsync(13)));

        await h.SendAsync(new { type = 10, payload = new { action = "mute", media_type = "audio", user_id = carol.Id } });
        var hostMute = await c.WaitForAsync(10, m => m.GetProperty("payload").GetProperty("user_id").GetInt64() == carol.Id);
        Assert.Equal(host.Id, hostMute.GetProperty("payload").GetProperty("by_user_id").GetInt64());

        await h.SendAsync(new { type = 10, payload = new { action = "unmute", media_type = "audio", user_id = carol.Id } });
        var request = await c.WaitForAsync(10, m => m.GetProperty("payload").GetProperty("action").GetString() == "request_unmute");
        Assert.Equal(host.Id, request.GetProperty("from_user_id").GetInt64());
        Assert.DoesNotContain((100L, carol.Id, "audio", false), server.Directory.MuteRecords);
    }

    [Fact]
    public async Task OneSharerAtATimeAudienceMayNotShareAndGrantsAreNeededWhenRequired()
    {
        await using var server = await SignalingServer.StartAsync();
        server.Directory.AddMeeting(100, screenShareNeedsGrant: true);
        var host = await server.ParticipantAsync(100, MeetingRole.Host);
        var bob = await server.ParticipantAsync(100);
        var viewer = await server.ParticipantAsync(100, MeetingRole.Audience);
        var (h, _) = await server.JoinAsync(100, host);
        await using var _h = h;
        var (b, _) = await server.JoinAsync(100, bob);
        await using var _b = b;
        var (v, _) = await server.JoinAsync(100, viewer);
        await using var _v = v;

        await v.SendAsync(new { type = 9, payload = new { action = "start" } });
        Assert.Equal(ErrorCodes.SignalingForbidden, SignalingRoomTests.Code(await v.WaitForAsync(13)));
        await b.SendAsync(new { type = 9, payload = new { action = "start" } });
        Assert.Equal(ErrorCodes.SignalingForbidden, SignalingRoomTests.Code(await b.WaitForAsync(13)));

        await h.SendAsync(new { type = 9, payload = new { action = "grant", user_id = bob.Id } });
        await b.WaitForAsync(9, m => m.GetProperty("payload").GetProperty("action").GetString() == "grant");
        await b.SendAsync(new { type = 9, payload = new { action = "start" } });
        var started = await v.WaitForAsync(9, m => m.GetProperty("payload").GetProperty("action").GetString() == "start");
        Assert.Equal(bob.Id, started.GetProperty("payload").GetProperty("user_id").GetInt64());

        await h.SendAsync(new { type = 9, payload = new { action = "start" } });
        Assert.Equal(ErrorCodes.ScreenShareBusy, SignalingRoomTests.Code(await h.WaitForAsync(13)));

        var (late, info) = await server.JoinAsync(100, await server.ParticipantAsync(100));
        await using var _late = late;
        Assert.Equal(bob.Id, info.GetProperty("payload").GetProperty("screen_sharer_user_id").GetInt64());
    }
}
