using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Dapper;
using WeCompany.Protocol;
using WeCompany.Server.Presence;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Cluster;

/// <summary>
/// Presence across nodes. The table cluster_presence is the record: each node writes its own connections (in
/// order, off the connection's path) and rewrites them all if the others ever took it for dead; rows of dead nodes
/// are deleted with the node. The admin view reads it. TCP routing needs an answer without a query, so each node
/// also keeps a map of users registered over TCP on other nodes, fed by "presence" bus messages and reloaded from
/// the table at start, after the listener reconnects and on every heartbeat (which also drops dead nodes' users).
/// </summary>
public sealed class ClusterPresence
{
    internal const string Kind = "presence";
    private readonly PresenceRegistry _presence;
    private readonly ClusterBus _bus;
    private readonly NodeRegistry _nodes;
    private readonly Database _database;
    private readonly ILogger<ClusterPresence> _logger;
    private readonly ConcurrentDictionary<long, RemoteTcpUser> _remoteTcp = new();
    private readonly Channel<WriteOp> _writes = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = true });

    public ClusterPresence(PresenceRegistry presence, ClusterBus bus, NodeRegistry nodes, Database database, ILogger<ClusterPresence> logger)
    {
        _presence = presence;
        _bus = bus;
        _nodes = nodes;
        _database = database;
        _logger = logger;
        presence.NodeId = nodes.NodeId;
        presence.Changed += (entry, up) => _writes.Writer.TryWrite(new WriteOp(entry, up, Rewrite: false));
        presence.ClusterView = EveryoneAsync;
        bus.On(Kind, OnRemoteAsync);
    }

    /// <summary>The node where <paramref name="userId"/> is registered over TCP, when that is another node.</summary>
    public string? TcpNodeOf(long userId) => _remoteTcp.TryGetValue(userId, out var user) ? user.NodeId : null;

    /// <summary>Users registered over TCP on other nodes.</summary>
    public int RemoteTcpUsers => _remoteTcp.Count;

    /// <summary>Nodes that have TCP users, as far as this node knows.</summary>
    public IReadOnlyCollection<string> NodesWithTcpUsers() => _remoteTcp.Values.Select(u => u.NodeId).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Writes presence changes in order until <paramref name="ct"/> ends.</summary>
    internal async Task RunWriterAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var op in _writes.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await WriteAsync(op, ct);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or IOException or TimeoutException or InvalidOperationException)
                {
                    // The heartbeat's rewrite brings the table back in line once PostgreSQL answers again.
                    ClusterLog.PresenceWriteFailed(_logger, _nodes.NodeId, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Queues a rewrite of this node's rows from its registry (after others expired this node).</summary>
    internal void RequestRewrite() => _writes.Writer.TryWrite(new WriteOp(null, false, Rewrite: true));

    private async Task WriteAsync(WriteOp op, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        if (op.Rewrite)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM cluster_presence WHERE node_id = @NodeId", new { _nodes.NodeId }, cancellationToken: ct));
            foreach (var entry in _presence.Snapshot())
            {
                await InsertAsync(connection, entry, ct);
            }
            return;
        }
        var change = op.Entry!;
        if (op.Up)
        {
            await InsertAsync(connection, change, ct);
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM cluster_presence WHERE node_id = @NodeId AND connection_id = @ConnectionId",
                new { _nodes.NodeId, change.ConnectionId }, cancellationToken: ct));
        }
        if (change.Channel == PresenceChannel.Tcp)
        {
            // After the row: a node that reloads on hearing this finds it.
            _bus.Publish(null, Kind, new PresenceChange(change.UserId, change.ConnectionId, op.Up));
        }
    }

    private Task<int> InsertAsync(System.Data.Common.DbConnection connection, PresenceEntry entry, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO cluster_presence (node_id, connection_id, user_id, channel, since) VALUES (@NodeId, @ConnectionId, @UserId, @channel, @since)
            ON CONFLICT (node_id, connection_id) DO NOTHING
            """, new { _nodes.NodeId, entry.ConnectionId, entry.UserId, channel = ChannelName(entry.Channel), since = entry.Since.ToUnixTimeMilliseconds() }, cancellationToken: ct));

    private ValueTask OnRemoteAsync(BusMessage message, CancellationToken ct)
    {
        var change = message.Body.Deserialize<PresenceChange>(WireJson.Options);
        if (change is null)
        {
            return default;
        }
        if (change.Up)
        {
            _remoteTcp[change.UserId] = new RemoteTcpUser(message.From, change.ConnectionId, Environment.TickCount64);
        }
        else if (_remoteTcp.TryGetValue(change.UserId, out var known) && known.ConnectionId == change.ConnectionId)
        {
            _remoteTcp.TryRemove(new KeyValuePair<long, RemoteTcpUser>(change.UserId, known));
        }
        return default;
    }

    /// <summary>Reloads the TCP map from the table: live nodes only. Entries heard on the bus during the reload stay.</summary>
    internal async Task ReloadAsync(CancellationToken ct)
    {
        var started = Environment.TickCount64;
        await using var connection = await _database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<PresenceRow>(new CommandDefinition("""
            SELECT p.user_id, p.node_id, p.connection_id, p.channel, p.since FROM cluster_presence p
            JOIN cluster_nodes n ON n.node_id = p.node_id
            WHERE p.channel = 'tcp' AND p.node_id <> @NodeId AND n.heartbeat_at >= @cutoff
            ORDER BY p.since
            """, new { _nodes.NodeId, cutoff = _nodes.AliveCutoff }, cancellationToken: ct))).AsList();
        var seen = new HashSet<long>();
        foreach (var row in rows)
        {
            seen.Add(row.UserId);
            _remoteTcp.AddOrUpdate(row.UserId, _ => new RemoteTcpUser(row.NodeId, row.ConnectionId, started),
                (_, known) => known.LearnedAt > started ? known : new RemoteTcpUser(row.NodeId, row.ConnectionId, started));
        }
        foreach (var (userId, known) in _remoteTcp)
        {
            if (!seen.Contains(userId) && known.LearnedAt <= started)
            {
                _remoteTcp.TryRemove(new KeyValuePair<long, RemoteTcpUser>(userId, known));
            }
        }
    }

    /// <summary>Every live connection in the cluster: this node's from memory, the others' from the table.</summary>
    public async Task<IReadOnlyList<PresenceEntry>> EveryoneAsync(CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        var rows = await connection.QueryAsync<PresenceRow>(new CommandDefinition("""
            SELECT p.user_id, p.node_id, p.connection_id, p.channel, p.since FROM cluster_presence p
            JOIN cluster_nodes n ON n.node_id = p.node_id
            WHERE p.node_id <> @NodeId AND n.heartbeat_at >= @cutoff
            """, new { _nodes.NodeId, cutoff = _nodes.AliveCutoff }, cancellationToken: ct));
        return _presence.Snapshot()
            .Concat(rows.Select(r => new PresenceEntry(r.UserId, r.Channel == "tcp" ? PresenceChannel.Tcp : PresenceChannel.WebSocket, r.ConnectionId,
                DateTimeOffset.FromUnixTimeMilliseconds(r.Since), r.NodeId)))
            .OrderBy(e => e.UserId).ThenBy(e => e.Since).ToList();
    }

    private static string ChannelName(PresenceChannel channel) => channel == PresenceChannel.Tcp ? "tcp" : "websocket";

    internal sealed record PresenceChange(long UserId, string ConnectionId, bool Up);

    private sealed record RemoteTcpUser(string NodeId, string ConnectionId, long LearnedAt);

    private readonly record struct WriteOp(PresenceEntry? Entry, bool Up, bool Rewrite);

    private sealed class PresenceRow
    {
        public long UserId { get; init; }

        public string NodeId { get; init; } = "";

        public string ConnectionId { get; init; } = "";

        public string Channel { get; init; } = "";

        public long Since { get; init; }
    }
}
