using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Hosting;
using WeCompany.Server.Meetings;
using WeCompany.Server.Signaling;
using WeCompany.Server.Tests.Infrastructure;

namespace WeCompany.Server.Tests.Signaling;

/// <summary>A registered user of the test server.</summary>
public sealed record TestUser(long Id, string Username, string Token);

/// <summary>
/// A real server on 127.0.0.1 with a free port and a temporary data folder, with the meetings feature
/// replaced by <see cref="FakeMeetingDirectory"/> (the one part that lives in another branch).
/// </summary>
public sealed class SignalingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDir;
    private int _users;

    private SignalingServer(WebApplication app, string dataDir, FakeMeetingDirectory directory)
    {
        _app = app;
        _dataDir = dataDir;
        Directory = directory;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri(address);
        Client = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public FakeMeetingDirectory Directory { get; }

    public Uri BaseUri { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<SignalingServer> StartAsync(Dictionary<string, string?>? settings = null, StoreKind store = StoreKind.Sqlite)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "wecompany-signaling-" + Guid.NewGuid().ToString("N"));
        var overrides = new Dictionary<string, string?>
        {
            ["Http:Address"] = "127.0.0.1",
            ["Http:Port"] = "0",
            ["Tcp:Port"] = "0",
            ["Media:Port"] = "0",
            ["Storage:DataDir"] = dataDir,
            ["Auth:PasswordIterations"] = "10000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (store == StoreKind.Postgres)
        {
            var postgres = await PostgresServer.CreateDatabaseAsync();
            overrides["Storage:Provider"] = "postgres";
            overrides["Storage:ConnectionString"] = postgres.ConnectionString;
        }
        foreach (var (key, value) in settings ?? [])
        {
            overrides[key] = value;
        }
        var directory = new FakeMeetingDirectory();
        var app = ServerHost.Build(overrides, null, builder => builder.Services.AddSingleton<IMeetingDirectory>(directory));
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        directory.Bus = app.Services.GetRequiredService<IMeetingEventBus>();
        return new SignalingServer(app, dataDir, directory);
    }

    public async Task<TestUser> RegisterAsync()
    {
        var name = $"user{Interlocked.Increment(ref _users)}x{Environment.TickCount64 % 100000}";
        using var response = await Client.PostAsJsonAsync("/api/v1/auth/register",
            new RegisterRequest(name, name + "@example.test", "correct-horse-battery", name), WireJson.Options);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<ApiResponse<AuthResult>>(WireJson.Options);
        return new TestUser(body!.Data.UserId, name, body.Data.Token);
    }

    /// <summary>Registers a user and lets them join <paramref name="meetingId"/> (creating the meeting when new).</summary>
    public async Task<TestUser> ParticipantAsync(long meetingId, MeetingRole role = MeetingRole.Participant)
    {
        var user = await RegisterAsync();
        if (!Directory.Knows(meetingId))
        {
            Directory.AddMeeting(meetingId);
        }
        Directory.Join(meetingId, user.Id, user.Username, role);
        return user;
    }

    public Uri SocketUri(long meetingId, long userId, string? token, string peerId)
    {
        var ws = new UriBuilder(BaseUri) { Scheme = "ws", Path = "/ws/signaling" };
        var query = $"meeting_id={meetingId}&user_id={userId}&peer_id={Uri.EscapeDataString(peerId)}";
        ws.Query = token is null ? query : query + "&token=" + Uri.EscapeDataString(token);
        return ws.Uri;
    }

    public Uri SocketUri(long meetingId, TestUser user, string? peerId = null) => SocketUri(meetingId, user.Id, user.Token, peerId ?? "peer-" + user.Id);

    /// <summary>Connects <paramref name="user"/> and sends join-room; answers the client and its room-info.</summary>
    public async Task<(SignalingClient Client, System.Text.Json.JsonElement RoomInfo)> JoinAsync(long meetingId, TestUser user, string? peerId = null)
    {
        var client = await SignalingClient.ConnectAsync(SocketUri(meetingId, user, peerId));
        await client.SendAsync(new { id = "join", type = 4, payload = new { meeting_id = meetingId, user_id = user.Id, peer_id = peerId ?? "peer-" + user.Id } });
        var roomInfo = await client.WaitForAsync(14);
        return (client, roomInfo);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold the file a moment longer; the temp folder is cleaned by the system.
        }
    }
}
