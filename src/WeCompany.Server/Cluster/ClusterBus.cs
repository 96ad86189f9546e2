using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using WeCompany.Protocol;
using WeCompany.Server.Diagnostics;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Cluster;

/// <summary>One message between nodes: its kind, the node that sent it and its JSON body.</summary>
public sealed record BusMessage(string Kind, string From, JsonElement Body);

/// <summary>
/// The cross-node bus: PostgreSQL LISTEN/NOTIFY. Each node listens on its own channel and on a broadcast channel,
/// through one dedicated connection that reconnects with back-off; publishers go through a bounded queue drained
/// by one writer on pooled connections (order kept per node). A payload over <see cref="ClusterOptions.MaxNotifyBytes"/>
/// is stored in cluster_messages and the notification carries "@id". Nothing local ever goes through here.
/// </summary>
public sealed class ClusterBus : IAsyncDisposable
{
    public const string BroadcastChannel = "wc_all";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    private readonly ClusterOptions _options;
    private readonly Database _database;
    private readonly string _listenConnectionString;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterBus> _logger;
    private readonly Channel<Outgoing> _outgoing;
    private readonly Channel<string> _incoming = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, Func<BusMessage, CancellationToken, ValueTask>> _handlers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Counter _sent;
    private readonly Counter _received;
    private readonly Counter _dropped;
    private readonly Counter _reconnects;
    private readonly Counter _large;
    private readonly Counter _failed;
    private readonly List<Task> _loops = [];

    public ClusterBus(IOptions<ClusterOptions> options, IOptions<StorageOptions> storage, Database database, MetricsRegistry metrics, TimeProvider time, ILogger<ClusterBus> logger)
    {
        _options = options.Value;
        NodeId = _options.NodeId;
        OwnChannel = ChannelOf(NodeId);
        _database = database;
        _time = time;
        _logger = logger;
        // The listener holds its connection for the process's life: outside the pool, with keepalives so a dead
        // server is noticed while waiting for notifications.
        _listenConnectionString = new NpgsqlConnectionStringBuilder(storage.Value.ConnectionString) { Pooling = false, KeepAlive = 5 }.ConnectionString;
        _outgoing = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(_options.MaxQueuedMessages) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _sent = metrics.Counter("wecompany_cluster_bus_messages_sent_total", "Messages published on the cluster bus.");
        _received = metrics.Counter("wecompany_cluster_bus_messages_received_total", "Messages received from other nodes on the cluster bus.");
        _dropped = metrics.Counter("wecompany_cluster_bus_messages_dropped_total", "Media messages dropped because the bus queue was full.");
        _reconnects = metrics.Counter("wecompany_cluster_bus_reconnects_total", "Times the bus listener reconnected to PostgreSQL.");
        _large = metrics.Counter("wecompany_cluster_bus_large_messages_total", "Messages too large for NOTIFY, carried through cluster_messages.");
        _failed = metrics.Counter("wecompany_cluster_bus_publish_failures_total", "Messages lost because PostgreSQL refused the publish.");
        metrics.Gauge("wecompany_cluster_bus_queue", "Bus messages waiting to be published.", () => _outgoing.Reader.Count);
    }

    public string NodeId { get; }

    public string OwnChannel { get; }

    public long MessagesSent => _sent.Value;

    public long MessagesReceived => _received.Value;

    public long MessagesDropped => _dropped.Value;

    public long LargeMessages => _large.Value;

    public long Reconnects => _reconnects.Value;

    /// <summary>Raised after the listener reconnected: notifications may have been missed meanwhile.</summary>
    public event Action? Reconnected;

    /// <summary>The channel a node listens on: a hash, so any node id makes a valid, short identifier.</summary>
    public static string ChannelOf(string nodeId) =>
        "wc_node_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(nodeId)))[..16];

    /// <summary>Registers the handler of one message kind; call before <see cref="StartAsync"/>. Handlers must not throw.</summary>
    public void On(string kind, Func<BusMessage, CancellationToken, ValueTask> handler) => _handlers.Add(kind, handler);

    /// <summary>
    /// Queues a message for one node (<paramref name="toNode"/>) or, when null, every other node. A droppable message
    /// (media) is dropped and counted when the queue is full; others wait for room. False when dropped.
    /// </summary>
    public bool Publish<T>(string? toNode, string kind, T body, bool droppable = false)
    {
        var payload = JsonSerializer.Serialize(new Envelope<T>(kind, NodeId, body), WireJson.Options);
        var item = new Outgoing(toNode is null ? BroadcastChannel : ChannelOf(toNode), payload);
        if (_outgoing.Writer.TryWrite(item))
        {
            return true;
        }
        if (droppable || _stopping.IsCancellationRequested)
        {
            _dropped.Increment();
            return false;
        }
        _ = _outgoing.Writer.WriteAsync(item, _stopping.Token).AsTask();
        return true;
    }

    /// <summary>Starts listening and publishing; waits (bounded) for the first LISTEN so a started node hears its peers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _loops.Add(ListenLoopAsync(_stopping.Token));
        _loops.Add(DispatchLoopAsync(_stopping.Token));
        _loops.Add(PublishLoopAsync(_stopping.Token));
        await _listening.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Publishes what is queued (bounded by <paramref name="budget"/>), then stops listening.</summary>
    public async Task StopAsync(TimeSpan budget)
    {
        _outgoing.Writer.TryComplete();
        var publisher = _loops.Count > 2 ? _loops[2] : Task.CompletedTask;
        await publisher.WaitAsync(budget).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Deletes stored large messages older than the retention.</summary>
    internal async Task PruneAsync(CancellationToken ct)
    {
        var cutoff = _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)(_options.MessageRetentionSeconds * 1000);
        await using var connection = await _database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM cluster_messages WHERE created_at < @cutoff", new { cutoff }, cancellationToken: ct));
    }

    private async Task ListenLoopAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        var everConnected = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_listenConnectionString);
                await connection.OpenAsync(ct);
                // The handler runs on the reading thread: it only queues; the dispatcher does the work.
                connection.Notification += (_, e) => _incoming.Writer.TryWrite(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN \"{OwnChannel}\"; LISTEN \"{BroadcastChannel}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                if (everConnected)
                {
                    _reconnects.Increment();
                    ClusterLog.BusReconnected(_logger, NodeId);
                    Reconnected?.Invoke();
                }
                everConnected = true;
                backoff = TimeSpan.FromMilliseconds(250);
                _listening.TrySetResult();
                while (true)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                ClusterLog.BusListenFailed(_logger, backoff.TotalMilliseconds, e);
                try
                {
                    await Task.Delay(backoff, _time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task DispatchLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var payload in _incoming.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await DispatchAsync(payload, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    ClusterLog.BusDispatchFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task DispatchAsync(string payload, CancellationToken ct)
    {
        if (payload.StartsWith('@'))
        {
            var id = long.Parse(payload.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            await using var connection = await _database.OpenAsync(ct);
            var stored = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT payload FROM cluster_messages WHERE id = @id", new { id }, cancellationToken: ct));
            if (stored is null)
            {
                return;
            }
            payload = stored;
        }
        var envelope = JsonSerializer.Deserialize<Envelope<JsonElement>>(payload, WireJson.Options);
        // Broadcasts come back to their sender too: local delivery already happened without the database.
        if (envelope is null || envelope.From == NodeId)
        {
            return;
        }
        _received.Increment();
        if (_handlers.TryGetValue(envelope.Kind, out var handler))
        {
            await handler(new BusMessage(envelope.Kind, envelope.From, envelope.Body), ct);
        }
    }

    private async Task PublishLoopAsync(CancellationToken ct)
    {
        var batch = new List<Outgoing>(64);
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(ct))
            {
                batch.Clear();
                while (batch.Count < 64 && _outgoing.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }
                await PublishBatchAsync(batch, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task PublishBatchAsync(List<Outgoing> items, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var connection = (NpgsqlConnection)await _database.OpenAsync(ct);
                await using var batch = new NpgsqlBatch(connection);
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                foreach (var item in items)
                {
                    var payload = item.Payload;
                    if (Encoding.UTF8.GetByteCount(payload) > _options.MaxNotifyBytes)
                    {
                        // Committed before the notification is sent, so every listener finds the row.
                        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                            "INSERT INTO cluster_messages (payload, created_at) VALUES (@payload, @now) RETURNING id", new { payload, now }, cancellationToken: ct));
                        payload = "@" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        _large.Increment();
                    }
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = item.Channel }, new() { Value = payload } } });
                }
                await batch.ExecuteNonQueryAsync(ct);
                _sent.Add(items.Count);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                if (attempt >= 3)
                {
                    _failed.Add(items.Count);
                    ClusterLog.BusPublishFailed(_logger, items.Count, e);
                    return;
                }
                await Task.Delay(backoff, _time, ct);
                backoff *= 2;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private readonly record struct Outgoing(string Channel, string Payload);

    private sealed record Envelope<T>(string Kind, string From, T Body);
}
