using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using System.Threading.Channels;
using Dapper;
using Microsoft.Extensions.Options;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Diagnostics;
using WeCompany.Server.Signaling;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Cluster;

/// <summary>
/// One meeting, one node. nginx hashes a meeting's sockets to one node, but its view of the nodes changes (a node
/// dies, comes back after <c>fail_timeout</c>), so a meeting's room can open on a second node while the first still
/// hosts it. Each node records in cluster_rooms the meetings whose rooms it opened; a node that opens a room the
/// table gives to another node asks that node (on the bus) to hand its room over: it tells its sockets to
/// reconnect (error 70002, close 1012) and drops the room, and the reconnecting clients follow nginx's hash to the
/// new room. The newest room wins because it is the one nginx chose most recently. A request to a dead node is
/// simply not heard. See docs/cluster.md, "Room ownership".
/// </summary>
internal sealed class ClusterRooms
{
    internal const string HandOverKind = "room.hand_over";

    /// <summary>The words of the notice; clients read the code.</summary>
    internal const string MovedMessage = "room_moved: this meeting continues on another node; reconnect (the gateway sends you there).";

    /// <summary>
    /// At most one hand-over request per meeting per node in this time: while nginx's view flaps, two nodes would
    /// otherwise take the meeting from each other on every join.
    /// </summary>
    internal static readonly TimeSpan HandOverCooldown = TimeSpan.FromSeconds(10);

    private readonly ClusterBus _bus;
    private readonly Database _database;
    private readonly SignalingHub _hub;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterRooms> _logger;
    private readonly Channel<RoomChange> _changes = Channel.CreateBounded<RoomChange>(new BoundedChannelOptions(4096) { SingleReader = true });
    private readonly ConcurrentDictionary<long, long> _openedAt = new();
    private readonly ConcurrentDictionary<long, long> _lastRequest = new();
    private readonly Counter _takeOvers;
    private readonly Counter _handOvers;
    private readonly Counter _unrecorded;

    public ClusterRooms(ClusterBus bus, Database database, SignalingRoomRegistry rooms, SignalingHub hub, MetricsRegistry metrics, TimeProvider time, ILogger<ClusterRooms> logger)
    {
        _bus = bus;
        _database = database;
        _hub = hub;
        _time = time;
        _logger = logger;
        _takeOvers = metrics.Counter("wecompany_cluster_room_take_overs_total", "Rooms opened here while another node hosted the meeting (that node was asked to hand it over).");
        _handOvers = metrics.Counter("wecompany_cluster_room_hand_overs_total", "Rooms this node handed over to another node.");
        _unrecorded = metrics.Counter("wecompany_cluster_room_changes_dropped_total", "Room openings or closings not recorded because the queue was full.");
        rooms.Opened += OnOpened;
        rooms.Dropped += OnDropped;
        bus.On(HandOverKind, OnHandOverAsync);
    }

    public string NodeId => _bus.NodeId;

    /// <summary>Records room openings and closings in order until stopped; first forgets this node's rows from an earlier life.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        await ForgetAllAsync(ct);
        try
        {
            await foreach (var change in _changes.Reader.ReadAllAsync(ct))
            {
                try
                {
                    if (change.Opened)
                    {
                        await ClaimAsync(change.MeetingId, change.At, ct);
                    }
                    else
                    {
                        await ForgetAsync(change.MeetingId, ct);
                    }
                }
                catch (Exception e) when (e is DbException or TimeoutException or IOException or InvalidOperationException)
                {
                    ClusterLog.RoomClaimFailed(_logger, change.MeetingId, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void OnOpened(long meetingId)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _openedAt[meetingId] = now;
        Enqueue(new RoomChange(meetingId, Opened: true, now));
    }

    private void OnDropped(long meetingId)
    {
        _openedAt.TryRemove(meetingId, out _);
        Enqueue(new RoomChange(meetingId, Opened: false, _time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    private void Enqueue(RoomChange change)
    {
        // Called on the join path and under a room's gate: never waits. A lost opening only means no hand-over for
        // that room; a lost closing leaves a row that a later claim overwrites.
        if (!_changes.Writer.TryWrite(change))
        {
            _unrecorded.Increment();
        }
    }

    /// <summary>Records this node as the meeting's host; asks the previous host, if another node, to hand over.</summary>
    private async Task ClaimAsync(long meetingId, long openedAt, CancellationToken ct)
    {
        var previous = await RecordAsync(meetingId, openedAt, ct);
        if (previous is null || previous == NodeId)
        {
            return;
        }
        var last = _lastRequest.GetValueOrDefault(meetingId);
        if (last != 0 && openedAt - last < HandOverCooldown.TotalMilliseconds)
        {
            return;
        }
        _lastRequest[meetingId] = openedAt;
        PruneRequests(openedAt);
        _takeOvers.Increment();
        ClusterLog.RoomTakenOver(_logger, meetingId, previous);
        _bus.Publish(previous, HandOverKind, new HandOver(meetingId, openedAt));
    }

    /// <summary>Writes the row; answers the node that had it (null when none). Retries when another node inserted first.</summary>
    private async Task<string?> RecordAsync(long meetingId, long openedAt, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var previous = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "SELECT node_id FROM cluster_rooms WHERE meeting_id = @meetingId FOR UPDATE", new { meetingId }, transaction, cancellationToken: ct));
            var written = await connection.ExecuteAsync(new CommandDefinition(previous is null
                ? "INSERT INTO cluster_rooms (meeting_id, node_id, opened_at) VALUES (@meetingId, @NodeId, @openedAt) ON CONFLICT (meeting_id) DO NOTHING"
                : "UPDATE cluster_rooms SET node_id = @NodeId, opened_at = @openedAt WHERE meeting_id = @meetingId",
                new { meetingId, NodeId, openedAt }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
            if (written == 1 || attempt == 5)
            {
                return previous;
            }
            // Another node inserted the row between our read and our insert: read it (locked) this time.
        }
    }

    private async Task ForgetAsync(long meetingId, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM cluster_rooms WHERE meeting_id = @meetingId AND node_id = @NodeId", new { meetingId, NodeId }, cancellationToken: ct));
    }

    private async Task ForgetAllAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = await _database.OpenAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM cluster_rooms WHERE node_id = @NodeId", new { NodeId }, cancellationToken: ct));
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException)
        {
            ClusterLog.RoomClaimFailed(_logger, 0, e);
        }
    }

    private async ValueTask OnHandOverAsync(BusMessage message, CancellationToken ct)
    {
        if (message.Body.Deserialize<HandOver>(WireJson.Options) is not { } request)
        {
            return;
        }
        // A room that opened here after the other node's claim is newer: its own claim asks that node to hand over.
        if (_openedAt.TryGetValue(request.MeetingId, out var openedAt) && openedAt > request.ClaimedAt)
        {
            return;
        }
        var sockets = await _hub.HandOverRoomAsync(request.MeetingId, ErrorCodes.RoomMoved, MovedMessage, ClusterService.ServiceRestart, "room moved to another node");
        if (sockets > 0)
        {
            _handOvers.Increment();
            ClusterLog.RoomHandedOver(_logger, request.MeetingId, message.From, sockets);
        }
    }

    private void PruneRequests(long now)
    {
        if (_lastRequest.Count < 1024)
        {
            return;
        }
        foreach (var (meetingId, at) in _lastRequest)
        {
            if (now - at >= HandOverCooldown.TotalMilliseconds)
            {
                _lastRequest.TryRemove(meetingId, out _);
            }
        }
    }

    private readonly record struct RoomChange(long MeetingId, bool Opened, long At);

    /// <summary>The bus body: the meeting, and when the asking node opened its room (Unix ms).</summary>
    private sealed record HandOver(long MeetingId, long ClaimedAt);
}
