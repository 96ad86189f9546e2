using Dapper;
using Microsoft.Extensions.Options;
using WeCompany.Server.Http;
using WeCompany.Server.Sfu;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Cluster;

/// <summary>A row of cluster_nodes.</summary>
public sealed class ClusterNodeRow
{
    public string NodeId { get; init; } = "";

    public string? HttpUrl { get; init; }

    /// <summary>The media addresses (ICE host candidates) the node advertises, comma-separated.</summary>
    public string MediaAddresses { get; init; } = "";

    public long StartedAt { get; init; }

    public long HeartbeatAt { get; init; }

    public bool Draining { get; init; }
}

/// <summary>
/// This node's row in cluster_nodes and the view of the others: a node is alive while its heartbeat is younger
/// than <see cref="ClusterOptions.NodeTimeoutSeconds"/>; older rows (and their presence) are deleted by whichever
/// node notices first.
/// </summary>
public sealed class NodeRegistry(IOptions<ClusterOptions> options, IOptions<MediaOptions> media, IOptions<HttpOptions> http, Database database, TimeProvider time)
{
    private readonly ClusterOptions _options = options.Value;
    private readonly long _startedAt = time.GetUtcNow().ToUnixTimeMilliseconds();

    public string NodeId => _options.NodeId;

    /// <summary>The oldest heartbeat of a live node, now.</summary>
    public long AliveCutoff => time.GetUtcNow().ToUnixTimeMilliseconds() - (long)(_options.NodeTimeoutSeconds * 1000);

    /// <summary>Writes this node's heartbeat; true when the row had to be created (first beat, or others took us for dead).</summary>
    public async Task<bool> BeatAsync(bool draining, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // xmax = 0 only on a freshly inserted row (PostgreSQL): tells an insert from an update in one round trip.
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            INSERT INTO cluster_nodes (node_id, http_url, media_addresses, started_at, heartbeat_at, draining)
            VALUES (@NodeId, @url, @addresses, @_startedAt, @now, @draining)
            ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, draining = excluded.draining
            RETURNING (xmax = 0)
            """, new
        {
            NodeId,
            url = string.IsNullOrEmpty(_options.HttpUrl) ? http.Value.PublicUrl : _options.HttpUrl,
            addresses = string.Join(',', media.Value.PublicAddresses),
            _startedAt,
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            draining,
        }, cancellationToken: ct));
    }

    /// <summary>Deletes nodes that stopped heart-beating, with their presence and their rooms.</summary>
    public async Task ExpireDeadAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM cluster_nodes WHERE heartbeat_at < @cutoff;
            DELETE FROM cluster_presence p WHERE NOT EXISTS (SELECT 1 FROM cluster_nodes n WHERE n.node_id = p.node_id);
            DELETE FROM cluster_rooms r WHERE NOT EXISTS (SELECT 1 FROM cluster_nodes n WHERE n.node_id = r.node_id);
            """, new { cutoff = AliveCutoff }, cancellationToken: ct));
    }

    /// <summary>Removes this node, its presence and its rooms (a clean exit).</summary>
    public async Task RemoveSelfAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM cluster_presence WHERE node_id = @NodeId;
            DELETE FROM cluster_rooms WHERE node_id = @NodeId;
            DELETE FROM cluster_nodes WHERE node_id = @NodeId;
            """, new { NodeId }, cancellationToken: ct));
    }

    /// <summary>The nodes alive now, this one included.</summary>
    public async Task<IReadOnlyList<ClusterNodeRow>> AliveAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ClusterNodeRow>(new CommandDefinition(
            "SELECT * FROM cluster_nodes WHERE heartbeat_at >= @cutoff ORDER BY node_id", new { cutoff = AliveCutoff }, cancellationToken: ct));
        return rows.AsList();
    }
}
