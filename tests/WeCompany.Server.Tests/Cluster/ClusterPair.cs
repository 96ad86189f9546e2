using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Calls;
using WeCompany.Server.Cluster;
using WeCompany.Server.Tests.Calls;
using WeCompany.Server.Tests.Infrastructure;
using WeCompany.Server.Tests.Signaling;

namespace WeCompany.Server.Tests.Cluster;

/// <summary>
/// Two real nodes (in-process servers, each with its own HTTP and TCP ports) on one fresh PostgreSQL database:
/// the smallest cluster. They share the JWT key, as every node of a cluster must.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterPair : IAsyncDisposable
{
    public const string AdminName = "root";
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static int s_users;

    private ClusterPair(PostgresDatabase database, TestServer a, TestServer b)
    {
        Database = database;
        A = a;
        B = b;
    }

    public PostgresDatabase Database { get; }

    /// <summary>Node "node-a".</summary>
    public TestServer A { get; }

    /// <summary>Node "node-b".</summary>
    public TestServer B { get; }

    public static Dictionary<string, string?> Settings(string nodeId, Dictionary<string, string?>? extra = null)
    {
        var settings = SignalingMeeting.Settings(new Dictionary<string, string?>
        {
            ["Cluster:NodeId"] = nodeId,
            ["Cluster:HeartbeatSeconds"] = "0.5",
            ["Cluster:NodeTimeoutSeconds"] = "3",
            ["Cluster:DrainTimeoutSeconds"] = "10",
            ["Auth:JwtKey"] = "cluster-tests-share-this-key-0123456789abcdef",
            ["Auth:Admins:0"] = AdminName,
            ["Auth:MaxFailuresPerAddress"] = "100000",
            ["Tcp:Address"] = "127.0.0.1",
        });
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>
    /// Starts node A, then node B (one after the other: the first applies the migrations); <paramref name="onlyA"/>
    /// is applied to node A after <paramref name="extra"/>.
    /// </summary>
    public static async Task<ClusterPair> StartAsync(Dictionary<string, string?>? extra = null, Func<PostgresDatabase, Dictionary<string, string?>>? onlyA = null)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var settingsOfA = Settings("node-a", extra);
        foreach (var (key, value) in onlyA?.Invoke(database) ?? [])
        {
            settingsOfA[key] = value;
        }
        var a = await TestServer.StartAsync(settingsOfA, database);
        try
        {
            var b = await TestServer.StartAsync(Settings("node-b", extra), database);
            return new ClusterPair(database, a, b);
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    /// <summary>Registers a user through <paramref name="node"/> (any node: accounts live in PostgreSQL).</summary>
    public static async Task<TestUser> UserAsync(TestServer node, string? username = null)
    {
        username ??= "c" + Interlocked.Increment(ref s_users) + "_" + Guid.NewGuid().ToString("N")[..8];
        var auth = await node.RegisterAsync(username);
        return new TestUser(auth.UserId, auth.Username, auth.Token);
    }

    /// <summary>A raw TCP protocol client registered as <paramref name="user"/> on <paramref name="node"/>.</summary>
    public static async Task<RawTcpClient> ConnectTcpAsync(TestServer node, TestUser user)
    {
        var client = await RawTcpClient.ConnectAsync(node.Service<TcpServer>().Port);
        await client.RegisterAsync(user);
        return client;
    }

    /// <summary>Waits until <paramref name="node"/> can route TCP frames to <paramref name="user"/> (registered elsewhere).</summary>
    /// <summary>Alice on node A and Bob on node B, each connected over TCP and reachable from the other's node.</summary>
    public async Task<TcpUsers> TcpUsersAsync()
    {
        var alice = await UserAsync(A);
        var bob = await UserAsync(B);
        var onA = await ConnectTcpAsync(A, alice);
        var onB = await ConnectTcpAsync(B, bob);
        await ReachableAsync(A, bob);
        await ReachableAsync(B, alice);
        return new TcpUsers(alice, bob, onA, onB);
    }

    public static Task ReachableAsync(TestServer node, TestUser user) =>
        Eventually.TrueAsync(() => node.Service<TcpServer>().IsReachable(user.Id), $"{user.Username} is reachable from {node.BaseAddress}");

    public static string Id(TestUser user) => user.Id.ToString(CultureInfo.InvariantCulture);

    /// <summary>GET /api/v1/admin/online-users on <paramref name="node"/> as the administrator: the data's users.</summary>
    public static async Task<List<JsonElement>> OnlineUsersAsync(TestServer node, string adminToken)
    {
        using var client = node.ClientFor(adminToken);
        using var response = await client.GetAsync("api/v1/admin/online-users").WaitAsync(Wait);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(WireJson.Options).WaitAsync(Wait);
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("data").GetProperty("users").EnumerateArray().ToList();
    }

    public static string NodeIdOf(TestServer node) => node.Service<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.NodeId;

    public async ValueTask DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}

/// <summary>Two TCP protocol users on different nodes of a <see cref="ClusterPair"/>; disposing closes both connections.</summary>
public sealed record TcpUsers(TestUser Alice, TestUser Bob, RawTcpClient OnA, RawTcpClient OnB) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await OnA.DisposeAsync();
        await OnB.DisposeAsync();
    }
}
