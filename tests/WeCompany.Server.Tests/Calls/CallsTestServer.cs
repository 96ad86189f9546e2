using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WeCompany.Client.Tcp;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Calls;
using WeCompany.Server.Tests.Infrastructure;

namespace WeCompany.Server.Tests.Calls;

/// <summary>A user created over REST, with the access token to REGISTER over TCP.</summary>
public sealed record TestUser(long Id, string Username, string Token);

/// <summary>
/// The shared <see cref="TestServer"/> (HTTP and TCP on 127.0.0.1, ports picked by the OS, a temporary data folder)
/// with what the TCP tests add: an administrator name, users with tokens, raw and SDK clients.
/// </summary>
public sealed class CallsTestServer : IAsyncDisposable
{
    public const string AdminName = "root";
    private static int s_users;
    private readonly TestServer _server;

    private CallsTestServer(TestServer server)
    {
        _server = server;
    }

    public HttpClient Client => _server.Client;

    public IServiceProvider Services => _server.App.Services;

    public TcpServer Tcp => _server.Service<TcpServer>();

    public VideoCallServer Calls => _server.Service<VideoCallServer>();

    public int TcpPort => Tcp.Port;

    public static async Task<CallsTestServer> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Auth:Admins:0"] = AdminName,
            ["Auth:MaxFailuresPerAddress"] = "100000",
            ["Tcp:Address"] = "127.0.0.1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }
        return new CallsTestServer(await TestServer.StartAsync(overrides));
    }

    public async Task<TestUser> CreateUserAsync(string? username = null)
    {
        username ??= "u" + Interlocked.Increment(ref s_users) + "_" + Guid.NewGuid().ToString("N")[..8];
        using var response = await Client.PostAsJsonAsync("/api/v1/auth/register",
            new RegisterRequest(username, username + "@example.com", "correct horse battery", username), WireJson.Options).WaitAsync(TimeSpan.FromSeconds(30));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        var data = body.GetProperty("data");
        return new TestUser(data.GetProperty("user_id").GetInt64(), username, data.GetProperty("token").GetString()!);
    }

    /// <summary>A connected, registered SDK client.</summary>
    public async Task<WeCompanyTcpClient> ConnectAsync(TestUser user)
    {
        var client = await WeCompanyTcpClient.ConnectAsync("127.0.0.1", TcpPort).WaitAsync(TimeSpan.FromSeconds(10));
        await client.RegisterAsync(user.Id, user.Token).WaitAsync(TimeSpan.FromSeconds(10));
        return client;
    }

    /// <summary>A connected, registered raw frame client.</summary>
    public async Task<RawTcpClient> ConnectRawAsync(TestUser user)
    {
        var raw = await RawTcpClient.ConnectAsync(TcpPort);
        await raw.RegisterAsync(user);
        return raw;
    }

    /// <summary>Proves the server still serves: two fresh users exchange a TEXT.</summary>
    public async Task AssertStillServesAsync()
    {
        var a = await CreateUserAsync();
        var b = await CreateUserAsync();
        await using var ca = await ConnectRawAsync(a);
        await using var cb = await ConnectRawAsync(b);
        await ca.SendAsync(Protocol.Tcp.FrameType.Text, b.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "still here"u8.ToArray());
        var got = await cb.ExpectAsync(Protocol.Tcp.FrameType.Text);
        Assert.Equal(a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), got.UserId);
        Assert.Equal("still here", got.Text);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>One server shared by the tests of a class that need no special settings.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedCallsServer : IAsyncLifetime
{
    public CallsTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await CallsTestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
