using WeCompany.Protocol.Rest;
using WeCompany.Server.Tests.Meetings;

namespace WeCompany.Server.Tests.Signaling;

public sealed class SignalingModerationTests
{
    [Fact]
    public async Task AKickedUserGetsANoticeTheirSocketClosesAndTheyCannotReconnect()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var host = meeting.Host;
        var bob = await meeting.ParticipantAsync();
        var (h, _) = await meeting.JoinAsync(host);
        await using var _h = h;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;

        await meeting.KickAsync(bob);

        var notice = await b.WaitForAsync(13);
        Assert.Equal(ErrorCodes.KickedFromMeeting, SignalingRoomTests.Code(notice));
        var (code, reason) = await b.WaitForCloseAsync();
        Assert.Equal(4002, code);
        Assert.Equal("kicked", reason);
        var left = await h.WaitForAsync(7);
        Assert.Equal("kicked", left.GetProperty("payload").GetProperty("reason").GetString());
        Assert.Equal(403, await SignalingClient.RefusedStatusAsync(meeting.SocketUri(bob)));
    }

    [Fact]
    public async Task AMuteFromRestIsSeenByEveryoneAndMuteAllSparesTheIssuer()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var host = meeting.Host;
        var bob = await meeting.ParticipantAsync();
        var (h, _) = await meeting.JoinAsync(host);
        await using var _h = h;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;

        await meeting.MuteAsync(bob);
        var seenByHost = await h.WaitForAsync(10);
        var seenByBob = await b.WaitForAsync(10);
        await meeting.MuteAllAsync();
        var all = await b.WaitForAsync(10, m => m.GetProperty("payload").GetProperty("action").GetString() == "mute_all");

        Assert.Equal("mute", seenByHost.GetProperty("payload").GetProperty("action").GetString());
        Assert.Equal(bob.Id, seenByBob.GetProperty("payload").GetProperty("user_id").GetInt64());
        Assert.Equal(host.Id, seenByBob.GetProperty("payload").GetProperty("by_user_id").GetInt64());
        Assert.Equal("mute_all", all.GetProperty("payload").GetProperty("action").GetString());
        Assert.Equal(host.Id, all.GetProperty("payload").GetProperty("by_user_id").GetInt64());
    }

    [Fact]
    public async Task ARoleChangeSendsEveryoneTheRoomWithTheNewRole()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var host = meeting.Host;
        var bob = await meeting.ParticipantAsync();
        var (h, _) = await meeting.JoinAsync(host);
        await using var _h = h;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;

        await meeting.ChangeRoleAsync(bob, "co-host");

        var info = await h.WaitForAsync(14, m => m.GetProperty("payload").GetProperty("reason").GetString() == "role-changed");
        var bobEntry = info.GetProperty("payload").GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == bob.Id);
        Assert.Equal("co-host", bobEntry.GetProperty("role").GetString());
        await b.WaitForAsync(14, m => m.GetProperty("payload").GetProperty("reason").GetString() == "role-changed");
    }

    [Fact]
    public async Task EndingTheMeetingNotifiesAndClosesEverySocket()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var host = meeting.Host;
        var bob = await meeting.ParticipantAsync();
        var (h, _) = await meeting.JoinAsync(host);
        await using var _h = h;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;

        await meeting.EndAsync();

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
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var host = meeting.Host;
        var bob = await meeting.ParticipantAsync();
        var carol = await meeting.ParticipantAsync();
        var (h, _) = await meeting.JoinAsync(host);
        await using var _h = h;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;
        var (c, _) = await meeting.JoinAsync(carol);
        await using var _c = c;

        await b.SendAsync(new { type = 10, payload = new { action = "mute", media_type = "audio", user_id = bob.Id } });
        var ownMute = await c.WaitForAsync(10);
        Assert.Equal(bob.Id, ownMute.GetProperty("payload").GetProperty("user_id").GetInt64());
        await MeetingKit.EventuallyAsync(async () => AudioMuted(await meeting.PresentAsync(), bob.Id), TimeSpan.FromSeconds(10), "REST shows bob muted");

        await b.SendAsync(new { id = "m", type = 10, payload = new { action = "mute", media_type = "audio", user_id = carol.Id } });
        Assert.Equal(ErrorCodes.SignalingForbidden, SignalingRoomTests.Code(await b.WaitForAsync(13)));

        await h.SendAsync(new { type = 10, payload = new { action = "mute", media_type = "audio", user_id = carol.Id } });
        var hostMute = await c.WaitForAsync(10, m => m.GetProperty("payload").GetProperty("user_id").GetInt64() == carol.Id);
        Assert.Equal(host.Id, hostMute.GetProperty("payload").GetProperty("by_user_id").GetInt64());

        await h.SendAsync(new { type = 10, payload = new { action = "unmute", media_type = "audio", user_id = carol.Id } });
        var request = await c.WaitForAsync(10, m => m.GetProperty("payload").GetProperty("action").GetString() == "request_unmute");
        Assert.Equal(host.Id, request.GetProperty("from_user_id").GetInt64());
        Assert.True(AudioMuted(await meeting.PresentAsync(), carol.Id), "a host's unmute only asks: carol stays muted");
    }

    [Fact]
    public async Task OneSharerAtATimeTheAudienceMayNotShareAndAParticipantSharesWithoutAGrant()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var host = meeting.Host;
        var bob = await meeting.ParticipantAsync();
        var viewer = await meeting.ParticipantAsync("audience");
        var (h, _) = await meeting.JoinAsync(host);
        await using var _h = h;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;
        var (v, _) = await meeting.JoinAsync(viewer);
        await using var _v = v;

        await v.SendAsync(new { type = 9, payload = new { action = "start" } });
        Assert.Equal(ErrorCodes.SignalingForbidden, SignalingRoomTests.Code(await v.WaitForAsync(13)));
        // Meetings have no "sharing needs a grant" setting: a participant shares without asking.
        await b.SendAsync(new { type = 9, payload = new { action = "start" } });
        var started = await v.WaitForAsync(9, m => m.GetProperty("payload").GetProperty("action").GetString() == "start");
        Assert.Equal(bob.Id, started.GetProperty("payload").GetProperty("user_id").GetInt64());

        await h.SendAsync(new { type = 9, payload = new { action = "start" } });
        Assert.Equal(ErrorCodes.ScreenShareBusy, SignalingRoomTests.Code(await h.WaitForAsync(13)));

        var (late, info) = await meeting.JoinAsync(await meeting.ParticipantAsync());
        await using var _late = late;
        Assert.Equal(bob.Id, info.GetProperty("payload").GetProperty("screen_sharer_user_id").GetInt64());
    }

    [Fact]
    public async Task WhenTheMeetingRequiresAGrantAParticipantSharesOnlyAfterTheHostGrantsIt()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server, b => b["settings"] = new { require_password = false, screen_share_requires_grant = true });
        var details = await ApiAssert.SuccessAsync(await meeting.Host.User.Client.GetAsync(new Uri($"/api/v1/meetings/{meeting.Id}", UriKind.Relative)));
        Assert.True(details.GetProperty("settings").GetProperty("screen_share_requires_grant").GetBoolean());
        var bob = await meeting.ParticipantAsync();
        var (h, _) = await meeting.JoinAsync(meeting.Host);
        await using var _h = h;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;

        await b.SendAsync(new { type = 9, payload = new { action = "start" } });
        Assert.Equal(ErrorCodes.SignalingForbidden, SignalingRoomTests.Code(await b.WaitForAsync(13)));

        await h.SendAsync(new { type = 9, payload = new { action = "grant", user_id = bob.Id } });
        await b.WaitForAsync(9, m => m.GetProperty("payload").GetProperty("action").GetString() == "grant");
        await b.SendAsync(new { type = 9, payload = new { action = "start" } });
        var started = await h.WaitForAsync(9, m => m.GetProperty("payload").GetProperty("action").GetString() == "start");
        Assert.Equal(bob.Id, started.GetProperty("payload").GetProperty("user_id").GetInt64());
    }

    private static bool AudioMuted(List<System.Text.Json.JsonElement> present, long userId) =>
        present.Single(p => p.GetProperty("user_id").GetInt64() == userId).GetProperty("audio_muted").GetBoolean();
}
