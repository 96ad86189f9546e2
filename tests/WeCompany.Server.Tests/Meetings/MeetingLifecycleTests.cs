using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using WeCompany.Server.Accounts;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Tests.Meetings;

public sealed partial class MeetingLifecycleTests
{
    [GeneratedRegex("^[ABCDEFGHJKMNPQRSTUVWXYZ]{3}-[ABCDEFGHJKMNPQRSTUVWXYZ]{3}-[ABCDEFGHJKMNPQRSTUVWXYZ]{3}$")]
    private static partial Regex CodePattern();

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task CreateAnswers201WithTheSpecificationsFieldsAndGetFindsItByIdAndCode(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var host = await server.UserAsync();
        var created = await host.CreateMeetingAsync();
        var id = created.GetProperty("meeting_id").GetInt64();
        var code = created.GetProperty("meeting_code").GetString()!;
        Assert.Matches(CodePattern(), code);
        Assert.Equal("项目讨论会", created.GetProperty("title").GetString());
        Assert.Equal(host.Id, created.GetProperty("host_id").GetInt64());
        Assert.Equal("scheduled", created.GetProperty("status").GetString());
        Assert.Equal($"{server.BaseAddress.ToString().TrimEnd('/')}/join/{code}", created.GetProperty("join_url").GetString());
        Assert.EndsWith("Z", created.GetProperty("created_at").GetString());

        var byId = await host.MeetingAsync(id);
        Assert.Equal(code, byId.GetProperty("meeting_code").GetString());
        Assert.Equal(60, byId.GetProperty("duration").GetInt32());
        Assert.True(byId.GetProperty("settings").GetProperty("enable_recording").GetBoolean());
        Assert.False(byId.GetProperty("settings").TryGetProperty("password", out _));

        // Anyone with the code finds the meeting, in any case and without dashes.
        var stranger = await server.UserAsync();
        var byCode = await ApiAssert.SuccessAsync(await stranger.Client.GetAsync($"api/v1/meetings/code/{code.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant()}"));
        Assert.Equal(id, byCode.GetProperty("meeting_id").GetInt64());
        // ... but a private meeting is not found by id by someone who may not see it.
        await ApiAssert.ErrorAsync(await stranger.Client.GetAsync($"api/v1/meetings/{id}"), HttpStatusCode.NotFound, 20001);
    }

    [Fact]
    public async Task MeetingCodesAreUniqueAndUseOnlyTheUnambiguousAlphabet()
    {
        var codes = Enumerable.Range(0, 20_000).Select(_ => MeetingCode.New()).ToArray();
        Assert.All(codes, c => Assert.Matches(CodePattern(), c));
        Assert.Equal(codes.Length, codes.Distinct().Count());
        Assert.True(MeetingCode.TryNormalize("abcdefghj", out var normalized));
        Assert.Equal("ABC-DEF-GHJ", normalized);
        Assert.False(MeetingCode.TryNormalize("ABC-DEF-GHI", out _));

        await using var server = await TestServer.StartAsync();
        var host = await server.UserAsync();
        var created = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => host.CreateMeetingAsync()));
        Assert.Equal(50, created.Select(c => c.GetProperty("meeting_code").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task MeetingPasswordsAreStoredHashedWithTheAccountsHasher()
    {
        await using var server = await TestServer.StartAsync();
        var host = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync(b => b["settings"] = new { require_password = true, password = "meeting123" });
        var stored = await server.Service<MeetingStore>().FindByIdAsync(id, CancellationToken.None);
        Assert.NotNull(stored!.PasswordHash);
        Assert.DoesNotContain("meeting123", stored.PasswordHash, StringComparison.Ordinal);
        var hasher = server.Service<Microsoft.AspNetCore.Identity.IPasswordHasher<UserRecord>>();
        Assert.NotEqual(Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed,
            hasher.VerifyHashedPassword(new UserRecord(), stored.PasswordHash, "meeting123"));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task StatusGoesScheduledThenActiveOnFirstJoinThenEndedWhenTheHostEndsIt(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var (events, subscription) = server.RecordEvents();
        using var _ = subscription;
        var host = await server.UserAsync();
        var guest = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync(b => b["is_public"] = true);
        Assert.Equal("scheduled", (await host.MeetingAsync(id)).GetProperty("status").GetString());

        var guestPid = await guest.JoinIdAsync(id);
        var meeting = await host.MeetingAsync(id);
        Assert.Equal("active", meeting.GetProperty("status").GetString());
        Assert.Equal(1, meeting.GetProperty("participant_count").GetInt32());
        // Join is idempotent: the same participant id, no second seat.
        Assert.Equal(guestPid, await guest.JoinIdAsync(id));
        Assert.Equal(1, (await host.MeetingAsync(id)).GetProperty("participant_count").GetInt32());

        await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{id}/end"));
        meeting = await host.MeetingAsync(id);
        Assert.Equal("ended", meeting.GetProperty("status").GetString());
        Assert.EndsWith("Z", meeting.GetProperty("ended_at").GetString());
        Assert.Empty((await host.ParticipantsAsync(id)).EnumerateArray());
        lock (events)
        {
            Assert.Contains(events, e => e is MeetingEnded { ByUserId: var by } ended && ended.MeetingId == id && by == host.Id);
        }

        var late = await server.UserAsync();
        await ApiAssert.ErrorAsync(await late.JoinAsync(id), HttpStatusCode.Conflict, 20002);
        var metrics = await server.Client.GetStringAsync("metrics");
        Assert.Contains("wecompany_meeting_joins_total 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("wecompany_meeting_joins_refused_total 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("wecompany_meetings_ended_total 1\n", metrics, StringComparison.Ordinal);
        await ApiAssert.ErrorAsync(await host.PostAsync($"api/v1/meetings/{id}/mute-all"), HttpStatusCode.Conflict, 20002);
        await ApiAssert.ErrorAsync(await host.Client.PutAsync($"api/v1/meetings/{id}", MeetingKit.Json(new { title = "x" })), HttpStatusCode.Conflict, 20002);
        await ApiAssert.ErrorAsync(await host.PostAsync($"api/v1/meetings/{id}/end"), HttpStatusCode.Conflict, 20002);
        // An ended meeting can be deleted.
        await ApiAssert.SuccessAsync(await host.Client.DeleteAsync($"api/v1/meetings/{id}"));
        await ApiAssert.ErrorAsync(await host.Client.GetAsync($"api/v1/meetings/{id}"), HttpStatusCode.NotFound, 20001);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AMeetingLeftEmptyIsEndedByTheSweeperAfterTheConfiguredTime(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store, new Dictionary<string, string?>
        {
            ["Meetings:EmptyMeetingEndSeconds"] = "1",
            ["Meetings:SweepIntervalSeconds"] = "1",
        });
        var host = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync();
        var scheduled = await host.CreateMeetingIdAsync();
        await host.JoinIdAsync(id);
        await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{id}/leave"));
        Assert.Equal("active", (await host.MeetingAsync(id)).GetProperty("status").GetString());
        await MeetingKit.EventuallyAsync(async () => (await host.MeetingAsync(id)).GetProperty("status").GetString() == "ended",
            TimeSpan.FromSeconds(15), "the empty meeting to end");
        // A meeting nobody ever joined is not ended by the sweeper.
        Assert.Equal("scheduled", (await host.MeetingAsync(scheduled)).GetProperty("status").GetString());
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ListShowsPublicHostedInvitedAndJoinedMeetingsWithLiveCountsAndPages(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var alice = await server.UserAsync();
        var bob = await server.UserAsync();
        var carol = await server.UserAsync();
        var publicId = await alice.CreateMeetingIdAsync(b => { b["is_public"] = true; b["title"] = "public"; });
        var privateId = await alice.CreateMeetingIdAsync(b => b["title"] = "private");
        var invitedId = await alice.CreateMeetingIdAsync(b => { b["title"] = "invited"; b["invited_user_ids"] = new[] { bob.Id }; });
        var joinedId = await alice.CreateMeetingIdAsync(b => b["title"] = "joined");
        var bobsOwn = await bob.CreateMeetingIdAsync(b => b["title"] = "bob's");
        await bob.JoinIdAsync(joinedId);
        await carol.JoinIdAsync(joinedId);

        async Task<HashSet<long>> Visible(MeetingUser user, string query = "")
        {
            var page = await ApiAssert.SuccessAsync(await user.Client.GetAsync("api/v1/meetings?page_size=100" + query));
            return page.GetProperty("meetings").EnumerateArray().Select(m => m.GetProperty("meeting_id").GetInt64()).ToHashSet();
        }

        Assert.Equal([publicId, invitedId, joinedId, bobsOwn], await Visible(bob));
        Assert.Equal([publicId, privateId, invitedId, joinedId], await Visible(alice));
        Assert.Equal([joinedId], await Visible(bob, "&status=active"));
        Assert.Equal([publicId, invitedId, bobsOwn], await Visible(bob, "&status=scheduled"));

        var list = await ApiAssert.SuccessAsync(await bob.Client.GetAsync("api/v1/meetings?status=active"));
        var row = list.GetProperty("meetings")[0];
        Assert.Equal("User " + alice.Username, row.GetProperty("host_name").GetString());
        Assert.Equal(2, row.GetProperty("participant_count").GetInt32());
        await ApiAssert.SuccessAsync(await carol.PostAsync($"api/v1/meetings/{joinedId}/leave"));
        list = await ApiAssert.SuccessAsync(await bob.Client.GetAsync("api/v1/meetings?status=active"));
        Assert.Equal(1, list.GetProperty("meetings")[0].GetProperty("participant_count").GetInt32());

        // Pages: 4 meetings, 3 per page.
        var first = await ApiAssert.SuccessAsync(await bob.Client.GetAsync("api/v1/meetings?page=1&page_size=3"));
        Assert.Equal(3, first.GetProperty("meetings").GetArrayLength());
        Assert.Equal(4, first.GetProperty("total").GetInt64());
        Assert.Equal(2, first.GetProperty("total_pages").GetInt32());
        Assert.Equal(3, first.GetProperty("page_size").GetInt32());
        var second = await ApiAssert.SuccessAsync(await bob.Client.GetAsync("api/v1/meetings?page=2&page_size=3"));
        Assert.Equal(1, second.GetProperty("meetings").GetArrayLength());
        var beyond = await ApiAssert.SuccessAsync(await bob.Client.GetAsync("api/v1/meetings?page=9&page_size=3"));
        Assert.Equal(0, beyond.GetProperty("meetings").GetArrayLength());
        Assert.Equal(4, beyond.GetProperty("total").GetInt64());
        var capped = await ApiAssert.SuccessAsync(await bob.Client.GetAsync("api/v1/meetings?page_size=1000"));
        Assert.Equal(100, capped.GetProperty("page_size").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task JoinAnswersTheSignalingUrlIceServersAndASessionTokenForThisMeetingOnly(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store, new Dictionary<string, string?>
        {
            ["Meetings:IceServers:0:Urls:0"] = "stun:stun.example.com:3478",
            ["Turn:Urls:0"] = "turn:turn.example.com:3478",
            ["Turn:Secret"] = "test-secret",
        });
        var host = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync();
        var other = await host.CreateMeetingIdAsync();
        var join = await ApiAssert.SuccessAsync(await host.JoinAsync(id));
        Assert.Equal(id, join.GetProperty("meeting_id").GetInt64());
        Assert.Equal("host", join.GetProperty("role").GetString());
        Assert.Equal($"ws://127.0.0.1:{server.BaseAddress.Port}/ws/signaling", join.GetProperty("websocket_url").GetString());
        var ice = join.GetProperty("ice_servers");
        Assert.Equal("stun:stun.example.com:3478", ice[0].GetProperty("urls").GetString());
        Assert.False(ice[0].TryGetProperty("username", out _));
        Assert.Equal("turn:turn.example.com:3478", ice[1].GetProperty("urls").GetString());
        Assert.EndsWith($":{host.Id}", ice[1].GetProperty("username").GetString());

        var tokens = server.Service<TokenService>();
        var session = join.GetProperty("session_token").GetString()!;
        Assert.True((await tokens.ValidateForMeetingAsync(session, id)).IsValid);
        Assert.False((await tokens.ValidateForMeetingAsync(session, other)).IsValid);
        Assert.False((await tokens.ValidateAccessTokenAsync(session)).IsValid);
    }

    [Fact]
    public async Task TheConfiguredPublicUrlGivesAWssSignalingUrlAndHttpsJoinLinks()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Http:PublicUrl"] = "https://meet.example.com/" });
        var host = await server.UserAsync();
        var created = await host.CreateMeetingAsync();
        Assert.Equal("https://meet.example.com/join/" + created.GetProperty("meeting_code").GetString(), created.GetProperty("join_url").GetString());
        var join = await ApiAssert.SuccessAsync(await host.JoinAsync(created.GetProperty("meeting_id").GetInt64()));
        Assert.Equal("wss://meet.example.com/ws/signaling", join.GetProperty("websocket_url").GetString());
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AHostCoHostUpdatesAndLeaveAndRejoinKeepTheParticipantId(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var host = await server.UserAsync();
        var guest = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync();
        var pid = await guest.JoinIdAsync(id);
        await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{id}/participants/{pid}/role", new { role = "co-host" }));
        var updated = await ApiAssert.SuccessAsync(await guest.Client.PutAsync($"api/v1/meetings/{id}",
            MeetingKit.Json(new { title = "New title", duration = 90, settings = new { require_password = true, password = "pw-1" } })));
        Assert.Equal("New title", updated.GetProperty("title").GetString());
        Assert.Equal(90, updated.GetProperty("duration").GetInt32());
        Assert.True(updated.GetProperty("settings").GetProperty("require_password").GetBoolean());

        await ApiAssert.SuccessAsync(await guest.PostAsync($"api/v1/meetings/{id}/leave"));
        Assert.DoesNotContain(guest.Id, (await host.ParticipantsAsync(id)).EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()));
        await ApiAssert.ErrorAsync(await guest.PostAsync($"api/v1/meetings/{id}/leave"), HttpStatusCode.Forbidden, 20009);
        // Rejoining needs the (new) password, keeps the participant id and the co-host role.
        await ApiAssert.ErrorAsync(await guest.JoinAsync(id, new { password = "wrong" }), HttpStatusCode.Forbidden, 20004);
        var rejoin = await ApiAssert.SuccessAsync(await guest.JoinAsync(id, new { password = "pw-1" }));
        Assert.Equal(pid, rejoin.GetProperty("participant_id").GetInt64());
        Assert.Equal("co-host", rejoin.GetProperty("role").GetString());
        var row = (await host.ParticipantsAsync(id)).EnumerateArray().Single(p => p.GetProperty("participant_id").GetInt64() == pid);
        Assert.Equal(guest.Username, row.GetProperty("username").GetString());
        Assert.Equal("User " + guest.Username, row.GetProperty("full_name").GetString());
        Assert.EndsWith("Z", row.GetProperty("joined_at").GetString());
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ModerationIsStoredThenPublishedOnTheMeetingBus(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var (events, subscription) = server.RecordEvents();
        using var _ = subscription;
        var host = await server.UserAsync();
        var guest = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync();
        await host.JoinIdAsync(id);
        var pid = await guest.JoinIdAsync(id);
        await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{id}/participants/{pid}/mute", new { media_type = "video" }));
        var all = await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{id}/mute-all"));
        Assert.Equal(1, all.GetProperty("muted").GetInt32());
        await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{id}/participants/{pid}/role", new { role = "audience" }));
        await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{id}/participants/{pid}/kick"));
        lock (events)
        {
            Assert.Equal(
                [
                    new ParticipantMuted(id, guest.Id, host.Id, "video"),
                    new AllMuted(id, host.Id),
                    new RoleChanged(id, guest.Id, MeetingRole.Audience, host.Id),
                    new ParticipantKicked(id, guest.Id, host.Id),
                ],
                events.ToArray());
        }
        await ApiAssert.ErrorAsync(await guest.JoinAsync(id), HttpStatusCode.Forbidden, 20006);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task TheServiceApiSignalingUsesSeesPresenceMuteStateAndLeave(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var meetings = server.Service<MeetingService>();
        var host = await server.UserAsync();
        var guest = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync(b => b["settings"] = new { enable_ai_analysis = true });
        Assert.Null(await meetings.GetActiveParticipantAsync(id, guest.Id, CancellationToken.None));
        var pid = await guest.JoinIdAsync(id);

        var view = await meetings.GetAsync(id, CancellationToken.None);
        Assert.Equal(MeetingStatus.Active, view!.Status);
        Assert.True(view.Settings.EnableAiAnalysis);
        Assert.Equal(1, view.ParticipantCount);
        var me = await meetings.GetActiveParticipantAsync(id, guest.Id, CancellationToken.None);
        Assert.Equal(pid, me!.ParticipantId);
        Assert.Equal(MeetingRole.Participant, me.Role);

        Assert.True(await meetings.SetMutedAsync(id, guest.Id, "audio", true, CancellationToken.None));
        Assert.False(await meetings.SetMutedAsync(id, guest.Id, "screen", true, CancellationToken.None));
        Assert.False(await meetings.SetMutedAsync(id, host.Id, "audio", true, CancellationToken.None));
        Assert.True((await meetings.GetParticipantsAsync(id, CancellationToken.None)).Single().AudioMuted);

        Assert.True((await meetings.LeaveAsync(id, guest.Id, CancellationToken.None)).IsSuccess);
        Assert.Null(await meetings.GetActiveParticipantAsync(id, guest.Id, CancellationToken.None));
        Assert.Null(await meetings.GetAsync(id + 1000, CancellationToken.None));
        Assert.Empty(meetings.IceServers(guest.Id));
    }

    [Fact]
    public async Task RepeatedWrongMeetingPasswordsAreThrottledWith429()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Auth:MaxFailuresPerAccount"] = "3" });
        var host = await server.UserAsync();
        var guesser = await server.UserAsync();
        var guest = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync(b => b["settings"] = new { require_password = true, password = "meeting123" });
        for (var i = 0; i < 3; i++)
        {
            await ApiAssert.ErrorAsync(await guesser.JoinAsync(id, new { password = $"guess{i}" }), HttpStatusCode.Forbidden, 20004);
        }
        var throttled = await guesser.JoinAsync(id, new { password = "meeting123" });
        await ApiAssert.ErrorAsync(throttled, HttpStatusCode.TooManyRequests, 90007);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        // Another user is not held back by the guesser's failures.
        await guest.JoinIdAsync(id, new { password = "meeting123" });
    }
}
