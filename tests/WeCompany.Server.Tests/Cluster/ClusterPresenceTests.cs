using Dapper;
using Npgsql;
using WeCompany.Server.Cluster;
using WeCompany.Server.Tests.Calls;
using WeCompany.Server.Tests.Infrastructure;
using WeCompany.Server.Tests.Signaling;

namespace WeCompany.Server.Tests.Cluster;

/// <summary>Who is online where, seen from any node; nodes that stop heart-beating vanish with their users.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterPresenceTests
{
    [Fact]
    public async Task AdminOnlineUsersOnNodeBListsUsersConnectedToNodeA()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var admin = await ClusterPair.UserAsync(cluster.B, ClusterPair.AdminName);
        var alice = await ClusterPair.UserAsync(cluster.A);
        await using var onA = await ClusterPair.ConnectTcpAsync(cluster.A, alice);
        var meeting = await SignalingMeeting.CreateAsync(cluster.A);
        var (socket, _) = await meeting.JoinAsync(meeting.Host);
        await using var _1 = socket;

        List<System.Text.Json.JsonElement> users = [];
        await Meetings.MeetingKit.EventuallyAsync(async () =>
        {
            users = await ClusterPair.OnlineUsersAsync(cluster.B, admin.Token);
            return users.Any(u => u.GetProperty("user_id").GetInt64() == alice.Id) && users.Any(u => u.GetProperty("user_id").GetInt64() == meeting.Host.Id);
        }, ClusterPair.Wait, "node B lists the users connected to node A");

        var tcp = users.Single(u => u.GetProperty("user_id").GetInt64() == alice.Id);
        Assert.Equal("tcp", tcp.GetProperty("channel").GetString());
        Assert.Equal("node-a", tcp.GetProperty("node_id").GetString());
        var ws = users.Single(u => u.GetProperty("user_id").GetInt64() == meeting.Host.Id);
        Assert.Equal("websocket", ws.GetProperty("channel").GetString());
        Assert.Equal("node-a", ws.GetProperty("node_id").GetString());
    }

    [Fact]
    public async Task ANodeThatStopsHeartBeatingHasItsPresenceExpired()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var admin = await ClusterPair.UserAsync(cluster.B, ClusterPair.AdminName);
        var ghostUser = await ClusterPair.UserAsync(cluster.B);
        // A node that was killed: its row and its user's connection stay behind, and its heartbeat stops.
        await using (var connection = new NpgsqlConnection(cluster.Database.ConnectionString))
        {
            await connection.OpenAsync().WaitAsync(ClusterPair.Wait);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await connection.ExecuteAsync("""
                INSERT INTO cluster_nodes (node_id, started_at, heartbeat_at) VALUES ('node-killed', @now, @now);
                INSERT INTO cluster_presence (node_id, connection_id, user_id, channel, since) VALUES ('node-killed', 'tcp_ghost', @user, 'tcp', @now);
                """, new { now, user = ghostUser.Id }).WaitAsync(ClusterPair.Wait);
        }
        await Meetings.MeetingKit.EventuallyAsync(async () => (await ClusterPair.OnlineUsersAsync(cluster.B, admin.Token)).Any(u => u.GetProperty("node_id").GetString() == "node-killed"),
            ClusterPair.Wait, "the killed node's user is listed while its heartbeat is fresh");
        await Eventually.TrueAsync(() => cluster.A.Service<Server.Calls.TcpServer>().IsReachable(ghostUser.Id), "node A routes to the killed node's user while it seems alive");

        await Meetings.MeetingKit.EventuallyAsync(async () => !(await ClusterPair.OnlineUsersAsync(cluster.B, admin.Token)).Any(u => u.GetProperty("node_id").GetString() == "node-killed"),
            ClusterPair.Wait, "the killed node's user expires after Cluster:NodeTimeoutSeconds");
        await Eventually.TrueAsync(() => !cluster.A.Service<Server.Calls.TcpServer>().IsReachable(ghostUser.Id), "node A forgets the killed node's user");
        var alive = await cluster.A.Service<NodeRegistry>().AliveAsync(CancellationToken.None).WaitAsync(ClusterPair.Wait);
        Assert.Equal(["node-a", "node-b"], alive.Select(n => n.NodeId));
    }

    [Fact]
    public async Task EveryResponseNamesTheNodeThatAnswered()
    {
        await using var cluster = await ClusterPair.StartAsync();

        using var fromA = await cluster.A.Client.GetAsync("api/v1/ping").WaitAsync(ClusterPair.Wait);
        using var fromB = await cluster.B.Client.GetAsync("api/v1/nothing-here").WaitAsync(ClusterPair.Wait);

        Assert.Equal("node-a", Assert.Single(fromA.Headers.GetValues(ClusterRegistration.NodeHeader)));
        Assert.Equal("node-b", Assert.Single(fromB.Headers.GetValues(ClusterRegistration.NodeHeader)));
    }

    [Fact]
    public async Task AnEmbeddedServerNamesItselfWithAGeneratedNodeId()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("healthz").WaitAsync(ClusterPair.Wait);

        var node = Assert.Single(response.Headers.GetValues(ClusterRegistration.NodeHeader));
        Assert.Equal(ClusterPair.NodeIdOf(server), node);
        Assert.StartsWith(Environment.MachineName.ToLowerInvariant()[..Math.Min(8, Environment.MachineName.Length)], node, StringComparison.Ordinal);
        Assert.Equal(node, server.Service<Server.Presence.PresenceRegistry>().NodeId);
    }
}
