using System.Net;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Tests.Meetings;

/// <summary>
/// The specification's permission table walked over REST, cell by cell: every actor role (and an outsider) tries
/// every moderation action on a fresh meeting; allowed cells answer 2xx and change what the participants list
/// shows, refused cells answer 403 with 20005 and change nothing.
/// </summary>
public sealed class MeetingPermissionMatrixTests(MeetingPermissionMatrixTests.SharedServer shared) : IClassFixture<MeetingPermissionMatrixTests.SharedServer>
{
    /// <summary>One server and eight users for the whole matrix; every cell gets a meeting of its own.</summary>
    public sealed class SharedServer : IAsyncLifetime
    {
        public TestServer Server { get; private set; } = null!;

        public MeetingUser[] Users { get; private set; } = [];

        public async Task InitializeAsync()
        {
            Server = await TestServer.StartAsync();
            Users = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Server.UserAsync()));
        }

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    public enum Actor { Host, CoHost, Participant, Audience, Outsider }

    public enum Act
    {
        Update, End, Delete, MuteAll, AssignRole,
        KickParticipant, KickAudience, KickCoHost, KickHost,
        MuteParticipant, MuteAudience, MuteCoHost, MuteHost, ChangeHostRole,
    }

    // The expected table, written out from the specification (主持人: 结束会议, 踢出参与者, 静音所有人; 联席主持人:
    // 静音参与者 ...) and our documented extensions; nobody kicks or mutes the host.
    private static readonly Dictionary<Act, Actor[]> Allowed = new()
    {
        [Act.Update] = [Actor.Host, Actor.CoHost],
        [Act.End] = [Actor.Host],
        [Act.Delete] = [Actor.Host],
        [Act.MuteAll] = [Actor.Host, Actor.CoHost],
        [Act.AssignRole] = [Actor.Host],
        [Act.KickParticipant] = [Actor.Host, Actor.CoHost],
        [Act.KickAudience] = [Actor.Host, Actor.CoHost],
        [Act.KickCoHost] = [Actor.Host],
        [Act.KickHost] = [],
        [Act.MuteParticipant] = [Actor.Host, Actor.CoHost],
        [Act.MuteAudience] = [Actor.Host, Actor.CoHost],
        [Act.MuteCoHost] = [Actor.Host],
        [Act.MuteHost] = [],
        [Act.ChangeHostRole] = [],
    };

    public static TheoryData<Actor, Act> Cells()
    {
        var data = new TheoryData<Actor, Act>();
        foreach (var act in Enum.GetValues<Act>())
        {
            foreach (var actor in Enum.GetValues<Actor>())
            {
                data.Add(actor, act);
            }
        }
        return data;
    }

    [Fact]
    public void TheCodeTableAgreesWithTheSpecificationsTable()
    {
        MeetingRole[] roles = [MeetingRole.Host, MeetingRole.CoHost, MeetingRole.Participant, MeetingRole.Audience];
        foreach (var role in roles)
        {
            var actor = (Actor)(int)role;
            Assert.Equal(Allowed[Act.Update].Contains(actor), MeetingPermissions.Allows(role, MeetingAction.UpdateMeeting));
            Assert.Equal(Allowed[Act.End].Contains(actor), MeetingPermissions.Allows(role, MeetingAction.EndMeeting));
            Assert.Equal(Allowed[Act.MuteAll].Contains(actor), MeetingPermissions.Allows(role, MeetingAction.MuteAll));
            Assert.Equal(Allowed[Act.AssignRole].Contains(actor), MeetingPermissions.Allows(role, MeetingAction.AssignRoles));
            Assert.Equal(Allowed[Act.KickParticipant].Contains(actor), MeetingPermissions.MayKick(role, MeetingRole.Participant));
            Assert.Equal(Allowed[Act.KickCoHost].Contains(actor), MeetingPermissions.MayKick(role, MeetingRole.CoHost));
            Assert.Equal(Allowed[Act.MuteCoHost].Contains(actor), MeetingPermissions.MayMute(role, MeetingRole.CoHost));
            Assert.False(MeetingPermissions.MayKick(role, MeetingRole.Host));
            Assert.False(MeetingPermissions.MayMute(role, MeetingRole.Host));
        }
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task EachRoleMayDoExactlyWhatTheTableAllows(Actor actor, Act act)
    {
        var room = await Room.OpenAsync(shared.Users);
        var who = actor switch
        {
            Actor.Host => room.Host,
            Actor.CoHost => room.CoHost,
            Actor.Participant => room.Participant,
            Actor.Audience => room.Audience,
            _ => room.Outsider,
        };
        var id = room.MeetingId;
        if (act == Act.Delete)
        {
            // Delete is refused while active for everyone; the permission cell is about an ended meeting.
            await ApiAssert.SuccessAsync(await room.Host.PostAsync($"api/v1/meetings/{id}/end"));
        }
        var response = act switch
        {
            Act.Update => await who.Client.PutAsync($"api/v1/meetings/{id}", MeetingKit.Json(new { title = "Renamed" })),
            Act.End => await who.PostAsync($"api/v1/meetings/{id}/end"),
            Act.Delete => await who.Client.DeleteAsync($"api/v1/meetings/{id}"),
            Act.MuteAll => await who.PostAsync($"api/v1/meetings/{id}/mute-all"),
            Act.AssignRole => await who.PostAsync($"api/v1/meetings/{id}/participants/{room.TargetParticipantId}/role", new { role = "co-host" }),
            Act.KickParticipant => await who.PostAsync($"api/v1/meetings/{id}/participants/{room.TargetParticipantId}/kick"),
            Act.KickAudience => await who.PostAsync($"api/v1/meetings/{id}/participants/{room.TargetAudienceId}/kick"),
            Act.KickCoHost => await who.PostAsync($"api/v1/meetings/{id}/participants/{room.TargetCoHostId}/kick"),
            Act.KickHost => await who.PostAsync($"api/v1/meetings/{id}/participants/{room.HostParticipantId}/kick"),
            Act.MuteParticipant => await who.PostAsync($"api/v1/meetings/{id}/participants/{room.TargetParticipantId}/mute"),
            Act.MuteAudience => await who.PostAsync($"api/v1/meetings/{id}/participants/{room.TargetAudienceId}/mute"),
            Act.MuteCoHost => await who.PostAsync($"api/v1/meetings/{id}/participants/{room.TargetCoHostId}/mute", new { media_type = "video" }),
            Act.MuteHost => await who.PostAsync($"api/v1/meetings/{id}/participants/{room.HostParticipantId}/mute"),
            _ => await who.PostAsync($"api/v1/meetings/{id}/participants/{room.HostParticipantId}/role", new { role = "participant" }),
        };
        if (Allowed[act].Contains(actor))
        {
            await ApiAssert.SuccessAsync(response);
            await AssertEffectAsync(room, act);
        }
        else
        {
            await ApiAssert.ErrorAsync(response, HttpStatusCode.Forbidden, 20005);
            if (act != Act.Delete)
            {
                await AssertNothingChangedAsync(room);
            }
        }
    }

    private static async Task AssertEffectAsync(Room room, Act act)
    {
        if (act == Act.Delete)
        {
            await ApiAssert.ErrorAsync(await room.Host.Client.GetAsync($"api/v1/meetings/{room.MeetingId}"), HttpStatusCode.NotFound, 20001);
            return;
        }
        var meeting = await room.Host.MeetingAsync(room.MeetingId);
        if (act == Act.End)
        {
            Assert.Equal("ended", meeting.GetProperty("status").GetString());
            return;
        }
        var people = (await room.Host.ParticipantsAsync(room.MeetingId)).EnumerateArray().ToDictionary(p => p.GetProperty("participant_id").GetInt64());
        switch (act)
        {
            case Act.Update:
                Assert.Equal("Renamed", meeting.GetProperty("title").GetString());
                break;
            case Act.MuteAll:
                Assert.True(people[room.TargetParticipantId].GetProperty("audio_muted").GetBoolean());
                Assert.True(people[room.TargetAudienceId].GetProperty("audio_muted").GetBoolean());
                Assert.False(people[room.HostParticipantId].GetProperty("audio_muted").GetBoolean());
                break;
            case Act.AssignRole:
                Assert.Equal("co-host", people[room.TargetParticipantId].GetProperty("role").GetString());
                break;
            case Act.KickParticipant:
                Assert.False(people.ContainsKey(room.TargetParticipantId));
                break;
            case Act.KickAudience:
                Assert.False(people.ContainsKey(room.TargetAudienceId));
                break;
            case Act.KickCoHost:
                Assert.False(people.ContainsKey(room.TargetCoHostId));
                break;
            case Act.MuteParticipant:
                Assert.True(people[room.TargetParticipantId].GetProperty("audio_muted").GetBoolean());
                break;
            case Act.MuteAudience:
                Assert.True(people[room.TargetAudienceId].GetProperty("audio_muted").GetBoolean());
                break;
            case Act.MuteCoHost:
                Assert.True(people[room.TargetCoHostId].GetProperty("video_muted").GetBoolean());
                break;
            default:
                Assert.Fail($"{act} has no allowed cell");
                break;
        }
    }

    private static async Task AssertNothingChangedAsync(Room room)
    {
        var meeting = await room.Host.MeetingAsync(room.MeetingId);
        Assert.Equal("active", meeting.GetProperty("status").GetString());
        Assert.Equal("项目讨论会", meeting.GetProperty("title").GetString());
        var people = (await room.Host.ParticipantsAsync(room.MeetingId)).EnumerateArray().ToArray();
        Assert.Equal(7, people.Length);
        Assert.All(people, p => Assert.False(p.GetProperty("audio_muted").GetBoolean() || p.GetProperty("video_muted").GetBoolean()));
        var roles = people.Select(p => p.GetProperty("role").GetString()!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "audience", "audience", "co-host", "co-host", "host", "participant", "participant" }, roles);
    }

    /// <summary>An active meeting with one actor of each role and one target of each role.</summary>
    private sealed record Room(
        long MeetingId, MeetingUser Host, MeetingUser CoHost, MeetingUser Participant, MeetingUser Audience, MeetingUser Outsider,
        long HostParticipantId, long TargetCoHostId, long TargetParticipantId, long TargetAudienceId)
    {
        public static async Task<Room> OpenAsync(MeetingUser[] users)
        {
            var (host, coHost, coHost2, participant, participant2, audience, audience2, outsider) =
                (users[0], users[1], users[2], users[3], users[4], users[5], users[6], users[7]);
            var id = await host.CreateMeetingIdAsync();
            var hostPid = await host.JoinIdAsync(id);
            var coHostPid = await coHost.JoinIdAsync(id);
            var coHost2Pid = await coHost2.JoinIdAsync(id);
            await participant.JoinIdAsync(id);
            var targetPid = await participant2.JoinIdAsync(id);
            await audience.JoinIdAsync(id, new { role = "audience" });
            var audiencePid = await audience2.JoinIdAsync(id, new { role = "audience" });
            foreach (var pid in new[] { coHostPid, coHost2Pid })
            {
                await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{id}/participants/{pid}/role", new { role = "co-host" }));
            }
            return new Room(id, host, coHost, participant, audience, outsider, hostPid, coHost2Pid, targetPid, audiencePid);
        }
    }
}
