using System.Text.Json;
using WeCompany.Server.Tests.Meetings;

namespace WeCompany.Server.Tests.Signaling;

/// <summary>A user who joined a meeting through REST: their account and what join answered.</summary>
public sealed record Seat(MeetingUser User, long ParticipantId, string Role, string SessionToken)
{
    public long Id => User.Id;

    public string Username => User.Username;

    /// <summary>The token the socket carries: the meeting session token join handed out, as the web client uses.</summary>
    public string Token => SessionToken;
}

/// <summary>
/// A real meeting for the signaling tests, set up like a client does: the host registers and creates it through
/// REST and joins it; others register and join; sockets open with the session token join answered.
/// </summary>
public sealed class SignalingMeeting
{
    private SignalingMeeting(TestServer server, long id, Seat host)
    {
        Server = server;
        Id = id;
        Host = host;
    }

    public TestServer Server { get; }

    public long Id { get; }

    /// <summary>The creator, joined as host.</summary>
    public Seat Host { get; }

    /// <summary>The settings every signaling test server starts with: the STUN server the room-info shows.</summary>
    public static Dictionary<string, string?> Settings(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?> { ["Meetings:IceServers:0:Urls:0"] = "stun:127.0.0.1:3478" };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>Starts a server (SQLite) with <see cref="Settings"/> plus <paramref name="extra"/>.</summary>
    public static Task<TestServer> StartServerAsync(Dictionary<string, string?>? extra = null) => TestServer.StartAsync(Settings(extra));

    /// <summary>Registers a host, creates a public meeting as them and has them join it.</summary>
    public static async Task<SignalingMeeting> CreateAsync(TestServer server, Action<Dictionary<string, object?>>? configure = null)
    {
        var host = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync(b =>
        {
            b["is_public"] = true;
            configure?.Invoke(b);
        });
        return new SignalingMeeting(server, id, await JoinAsync(host, id));
    }

    /// <summary>Registers a user and joins them (as participant, or audience when asked).</summary>
    public async Task<Seat> ParticipantAsync(string? role = null) => await JoinAsync(await Server.UserAsync(), Id, role);

    /// <summary>A registered user who never joined: their id and their account token.</summary>
    public async Task<MeetingUser> OutsiderAsync() => await Server.UserAsync();

    private static async Task<Seat> JoinAsync(MeetingUser user, long meetingId, string? role = null)
    {
        var data = await ApiAssert.SuccessAsync(await user.JoinAsync(meetingId, role is null ? new { } : new { role }));
        return new Seat(user, data.GetProperty("participant_id").GetInt64(), data.GetProperty("role").GetString()!,
            data.GetProperty("session_token").GetString()!);
    }

    /// <summary>POST as the host to <c>/api/v1/meetings/{id}/<paramref name="path"/></c>, asserting success.</summary>
    public async Task HostPostsAsync(string path, object? body = null) =>
        await ApiAssert.SuccessAsync(await Host.User.PostAsync($"api/v1/meetings/{Id}/{path}", body ?? new { }));

    public Task KickAsync(Seat who) => HostPostsAsync($"participants/{who.ParticipantId}/kick");

    public Task MuteAsync(Seat who, string mediaType = "audio") => HostPostsAsync($"participants/{who.ParticipantId}/mute", new { media_type = mediaType });

    public Task MuteAllAsync() => HostPostsAsync("mute-all");

    public Task ChangeRoleAsync(Seat who, string role) => HostPostsAsync($"participants/{who.ParticipantId}/role", new { role });

    public Task EndAsync() => HostPostsAsync("end");

    /// <summary>Those present in the meeting as REST lists them.</summary>
    public async Task<List<JsonElement>> PresentAsync() => (await Host.User.ParticipantsAsync(Id)).EnumerateArray().ToList();

    /// <summary>The signaling URI; <paramref name="via"/> is another node of a cluster (default: the meeting's server).</summary>
    public Uri SocketUri(long userId, string? token, string peerId, long? meetingId = null, TestServer? via = null)
    {
        var ws = new UriBuilder((via ?? Server).BaseAddress) { Scheme = "ws", Path = "/ws/signaling" };
        var query = $"meeting_id={meetingId ?? Id}&user_id={userId}&peer_id={Uri.EscapeDataString(peerId)}";
        ws.Query = token is null ? query : query + "&token=" + Uri.EscapeDataString(token);
        return ws.Uri;
    }

    public Uri SocketUri(Seat seat, string? peerId = null, TestServer? via = null) => SocketUri(seat.Id, seat.Token, peerId ?? "peer-" + seat.Id, via: via);

    /// <summary>Connects <paramref name="seat"/> (to <paramref name="via"/> when given) and sends join-room; answers the client and its room-info.</summary>
    public async Task<(SignalingClient Client, JsonElement RoomInfo)> JoinAsync(Seat seat, string? peerId = null, TestServer? via = null)
    {
        var client = await SignalingClient.ConnectAsync(SocketUri(seat, peerId, via));
        await client.SendAsync(new { id = "join", type = 4, payload = new { meeting_id = Id, user_id = seat.Id, peer_id = peerId ?? "peer-" + seat.Id } });
        var roomInfo = await client.WaitForAsync(14);
        return (client, roomInfo);
    }
}
