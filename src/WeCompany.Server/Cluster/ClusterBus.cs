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
/// The cross-node bus: PostgreSQL LISTEN/NOTIFY with a log. Each node listens on its own channel and on a broadcast
/// channel, through one dedicated connection that reconnects with back-off; publishers go through a bounded queue
/// drained by one writer on pooled connections (order kept per node). Every message but media is stored in
/// cluster_messages by the statement that notifies it and the notification carries its id: after a reconnect the
/// listener reads what it missed, and the ids it dispatched lately keep any message from being handled twice.
/// A payload over <see cref="ClusterOptions.MaxNotifyBytes"/> travels as "@id" alone. Nothing local goes through here.
/// </summary>
public sealed class ClusterBus : IAsyncDisposable
{
    public const string BroadcastChannel = "wc_all";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    // A control batch PostgreSQL could not take is retried at least this often: a restarted server is used within 2 s.
    private static readonly TimeSpan MaxPublishBackoff = TimeSpan.FromSeconds(2);

    // A replay starts this long before the listener last heard anything: covers clock skew between nodes and a row
    // whose created_at was taken just before a slow commit.
    private static readonly TimeSpan ReplayMargin = TimeSpan.FromSeconds(5);

    // The longest a dead listening connection goes unnoticed: Npgsql's keepalive query every 5 s of silence, then
    // the TCP retransmissions of that query. A reconnect within the retention minus this is certainly covered.
    private static readonly TimeSpan LossDetection = TimeSpan.FromSeconds(30);

    // Ids remembered to skip a second copy (live and replayed): far more than a margin plus an outage carry.
    private const int RecentIdCapacity = 65_536;

    // Messages per publish round trip: enough to amortize it, few enough to keep each statement short.
    private const int BatchSize = 64;

    // One statement per run of control messages: store them, then notify each row in id order, which is the queue's
    // order (pg_notify is volatile, so it runs after the sort). The notification is the envelope with its id in front
    // ({"id":N,...}; nodes of the previous version ignore the field), or "@N" when that would not fit NOTIFY.
    // Each message carries the key its publisher chose: a retry of a batch PostgreSQL committed without answering
    // conflicts on every key, so nothing is stored or notified twice.
    private const string PublishSql = """
        WITH ins AS (
            INSERT INTO cluster_messages (channel, payload, created_at, publish_key)
            SELECT m.channel, m.payload, $3, m.publish_key
            FROM unnest($1::text[], $2::text[], $5::uuid[]) WITH ORDINALITY AS m(channel, payload, publish_key, n) ORDER BY m.n
            ON CONFLICT (publish_key) DO NOTHING
            RETURNING id, channel, payload)
        SELECT pg_notify(channel, CASE WHEN octet_length(payload) <= $4 THEN '{"id":' || id || ',' || substr(payload, 2) ELSE '@' || id END)
        FROM ins ORDER BY id
        """;

    // Media too large for NOTIFY: stored without a channel, so it is fetched by id but never replayed.
    private const string LargeMediaSql = """
        WITH ins AS (INSERT INTO cluster_messages (payload, created_at) VALUES ($2, $3) RETURNING id)
        SELECT pg_notify($1, '@' || id) FROM ins
        """;

    private const string ReplaySql = "SELECT id, payload FROM cluster_messages WHERE channel IN ($1, $2) AND created_at >= $3 ORDER BY id";

    private readonly ClusterOptions _options;
    private readonly Database _database;
    private readonly string _listenConnectionString;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterBus> _logger;
    private readonly Channel<Outgoing> _outgoing;
    private readonly Channel<BusIncoming> _incoming = Channel.CreateUnbounded<BusIncoming>(new UnboundedChannelOptions { SingleReader = true });
    private readonly RecentIds _recent = new(RecentIdCapacity);
    private int _waitingWriters;
    private readonly List<BusIncoming> _held = [];
    private readonly Dictionary<string, Func<BusMessage, CancellationToken, ValueTask>> _handlers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Counter _sent;
    private readonly Counter _received;
    private readonly Counter _dropped;
    private readonly Counter _reconnects;
    private readonly Counter _large;
    private readonly Counter _failed;
    private readonly Counter _replayed;
    private readonly Counter _duplicates;
    private readonly Counter _retries;
    private readonly List<Task> _loops = [];
    private bool _holding;
    private long _heardAt;

    public ClusterBus(IOptions<ClusterOptions> options, IOptions<StorageOptions> storage, Database database, MetricsRegistry metrics, TimeProvider time, ILogger<ClusterBus> logger)
    {
        _options = options.Value;
        NodeId = _options.NodeId;
        OwnChannel = ChannelOf(NodeId);
        _database = database;
        _time = time;
        _logger = logger;
        // The listener holds its connection for the process's life: outside the pool, with keepalives so a dead
        // server is noticed while waiting for notifications; named, so operators (and tests) find it in pg_stat_activity.
        _listenConnectionString = new NpgsqlConnectionStringBuilder(storage.Value.ConnectionString) { Pooling = false, KeepAlive = 5, ApplicationName = "wecompany-listen-" + NodeId }.ConnectionString;
        _outgoing = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(_options.MaxQueuedMessages) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _sent = metrics.Counter("wecompany_cluster_bus_messages_sent_total", "Messages published on the cluster bus.");
        _received = metrics.Counter("wecompany_cluster_bus_messages_received_total", "Messages received from other nodes on the cluster bus.");
        _dropped = metrics.Counter("wecompany_cluster_bus_messages_dropped_total", "Media messages dropped because the bus queue was full.");
        _reconnects = metrics.Counter("wecompany_cluster_bus_reconnects_total", "Times the bus listener reconnected to PostgreSQL.");
        _large = metrics.Counter("wecompany_cluster_bus_large_messages_total", "Messages too large for NOTIFY, carried through cluster_messages.");
        _failed = metrics.Counter("wecompany_cluster_bus_publish_failures_total", "Messages lost because PostgreSQL refused the publish.");
        _replayed = metrics.Counter("wecompany_cluster_bus_messages_replayed_total", "Messages missed while the listener reconnected, read back from cluster_messages.");
        _duplicates = metrics.Counter("wecompany_cluster_bus_duplicates_skipped_total", "Second copies of a message (live and replayed) not handled again.");
        _retries = metrics.Counter("wecompany_cluster_bus_publish_retries_total", "Times a batch PostgreSQL could not take was tried again after a back-off.");
        metrics.Gauge("wecompany_cluster_bus_queue", "Bus messages waiting to be published.", () => _outgoing.Reader.Count);
    }

    public string NodeId { get; }

    public string OwnChannel { get; }

    public long MessagesSent => _sent.Value;

    public long MessagesReceived => _received.Value;

    public long MessagesDropped => _dropped.Value;

    public long LargeMessages => _large.Value;

    public long Reconnects => _reconnects.Value;

    public long MessagesReplayed => _replayed.Value;

    public long DuplicatesSkipped => _duplicates.Value;

    public long PublishRetries => _retries.Value;

    public long PublishFailures => _failed.Value;

    /// <summary>
    /// Raised after the listener reconnected and queued the messages it missed (those still in cluster_messages:
    /// <see cref="ClusterOptions.MessageRetentionSeconds"/>); media sent meanwhile is lost. The argument is false
    /// when the gap reached back further than the log is kept: messages may be missing, and state the bus carries
    /// must be read again from the store.
    /// </summary>
    public event Action<bool>? Reconnected;

    /// <summary>
    /// Does a log kept <paramref name="retentionSeconds"/> still hold every message the listener may have missed?
    /// It heard everything until <paramref name="heardAtMs"/>, and its connection stopped delivering at some moment
    /// before its failure was seen at <paramref name="lostAtMs"/>, at most <see cref="LossDetection"/> before.
    /// </summary>
    internal static bool LogCovers(long heardAtMs, long lostAtMs, long nowMs, double retentionSeconds)
    {
        var stoppedNoEarlierThan = Math.Max(heardAtMs, lostAtMs - (long)LossDetection.TotalMilliseconds);
        return stoppedNoEarlierThan - (long)ReplayMargin.TotalMilliseconds >= nowMs - (long)(retentionSeconds * 1000);
    }

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
        var item = new Outgoing(toNode is null ? BroadcastChannel : ChannelOf(toNode), payload, Durable: !droppable,
            Key: droppable ? default : Guid.CreateVersion7());
        if (_outgoing.Writer.TryWrite(item))
        {
            return true;
        }
        if (droppable || _stopping.IsCancellationRequested)
        {
            _dropped.Increment();
            return false;
        }
        // Waiting writers are bounded too: as many as the queue holds. Past that PostgreSQL has been away long
        // enough for the retention to run out anyway, and memory must not grow with what clients keep sending.
        if (Interlocked.Increment(ref _waitingWriters) > _options.MaxQueuedMessages)
        {
            Interlocked.Decrement(ref _waitingWriters);
            _failed.Increment();
            return false;
        }
        _ = WaitForRoomAsync(item);
        return true;
    }

    private async Task WaitForRoomAsync(Outgoing item)
    {
        try
        {
            await _outgoing.Writer.WriteAsync(item, _stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            _failed.Increment();
        }
        finally
        {
            Interlocked.Decrement(ref _waitingWriters);
        }
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

    /// <summary>Deletes stored messages older than the retention: a listener away longer may miss messages.</summary>
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
        long lostAt = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_listenConnectionString);
                await connection.OpenAsync(ct);
                // After a reconnect, live notifications wait until the replay is queued: older messages go first.
                Hold(everConnected);
                // The handler runs on the reading thread: it only queues; the dispatcher does the work.
                connection.Notification += (_, e) => OnNotification(e.Payload);
                var listeningFrom = _time.GetUtcNow().ToUnixTimeMilliseconds();
                await using (var listen = new NpgsqlCommand($"LISTEN \"{OwnChannel}\"; LISTEN \"{BroadcastChannel}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                var covered = true;
                if (everConnected)
                {
                    // After LISTEN: a message committed from now on is notified, one committed before is in the table;
                    // one in both is dispatched once (by id).
                    covered = await ReplayAsync(connection, lostAt, ct);
                }
                Volatile.Write(ref _heardAt, listeningFrom);
                Release();
                if (everConnected)
                {
                    _reconnects.Increment();
                    ClusterLog.BusReconnected(_logger, NodeId, covered);
                    Reconnected?.Invoke(covered);
                }
                everConnected = true;
                lostAt = 0;
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
                // What was held arrived: dispatch it. The time last heard stays put, so the next replay covers the gap.
                Release();
                if (everConnected && lostAt == 0)
                {
                    lostAt = _time.GetUtcNow().ToUnixTimeMilliseconds();
                }
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
            await foreach (var item in _incoming.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await DispatchAsync(item, ct);
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

    private async Task DispatchAsync(BusIncoming item, CancellationToken ct)
    {
        if (item.Id != 0 && _recent.Contains(item.Id))
        {
            _duplicates.Increment();
            return;
        }
        var payload = item.Payload;
        if (payload is null)
        {
            await using var connection = await _database.OpenAsync(ct);
            payload = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition("SELECT payload FROM cluster_messages WHERE id = @id", new { id = item.Id }, cancellationToken: ct));
            if (payload is null)
            {
                return;
            }
        }
        if (item.Id != 0)
        {
            _recent.Add(item.Id);
        }
        var envelope = JsonSerializer.Deserialize<Envelope<JsonElement>>(payload, WireJson.Options);
        // Broadcasts come back to their sender too: local delivery already happened without the database.
        if (envelope is null || envelope.From == NodeId)
        {
            return;
        }
        _received.Increment();
        if (item.Replayed)
        {
            _replayed.Increment();
        }
        if (_handlers.TryGetValue(envelope.Kind, out var handler))
        {
            await handler(new BusMessage(envelope.Kind, envelope.From, envelope.Body), ct);
        }
    }

    private async Task PublishLoopAsync(CancellationToken ct)
    {
        var batch = new List<Outgoing>(BatchSize);
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(ct))
            {
                batch.Clear();
                while (batch.Count < BatchSize && _outgoing.Reader.TryRead(out var item))
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

    /// <summary>
    /// Sends one batch. While PostgreSQL cannot take it (restarting, unreachable) its control messages are retried in
    /// order, with back-off up to 2 s, for <see cref="ClusterOptions.MessageRetentionSeconds"/> (later they would be
    /// stale, and a reconnecting listener could no longer replay them); the queue behind fills, so new media is
    /// dropped and control publishers wait. Media in a failed batch is dropped at once. A statement PostgreSQL
    /// answered with a lasting error (not a lost or refused connection) fails after three tries.
    /// </summary>
    private async Task PublishBatchAsync(List<Outgoing> items, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var giveUpAt = _time.GetUtcNow() + TimeSpan.FromSeconds(_options.MessageRetentionSeconds);
        for (var attempt = 1; ; attempt++)
        {
            var connected = false;
            try
            {
                await using var connection = (NpgsqlConnection)await _database.OpenAsync(ct);
                connected = true;
                await SendAsync(connection, items, ct);
                _sent.Add(items.Count);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                var lost = items.RemoveAll(item => !item.Durable);
                // Refusing a connection (starting up, not accepting, too many) is never the statement's fault.
                var rejected = connected && e is PostgresException { IsTransient: false } && attempt >= 3;
                if (items.Count > 0 && (rejected || _time.GetUtcNow() + backoff > giveUpAt))
                {
                    lost += items.Count;
                    items.Clear();
                }
                if (lost > 0)
                {
                    _failed.Add(lost);
                    ClusterLog.BusPublishFailed(_logger, lost, e);
                }
                if (items.Count == 0)
                {
                    return;
                }
                _retries.Increment();
                await Task.Delay(backoff, _time, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxPublishBackoff.Ticks));
            }
        }
    }

    /// <summary>One round trip: a statement per run of control messages (<see cref="PublishSql"/>), one per media frame.</summary>
    private async Task SendAsync(NpgsqlConnection connection, List<Outgoing> items, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var large = 0;
        for (var start = 0; start < items.Count;)
        {
            var end = start;
            while (end < items.Count && items[end].Durable)
            {
                end++;
            }
            if (end == start)
            {
                var media = items[start++];
                if (Encoding.UTF8.GetByteCount(media.Payload) > _options.MaxNotifyBytes)
                {
                    large++;
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(LargeMediaSql) { Parameters = { new() { Value = media.Channel }, new() { Value = media.Payload }, new() { Value = now } } });
                }
                else
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = media.Channel }, new() { Value = media.Payload } } });
                }
                continue;
            }
            var channels = new string[end - start];
            var payloads = new string[end - start];
            var keys = new Guid[end - start];
            for (var i = start; i < end; i++)
            {
                channels[i - start] = items[i].Channel;
                payloads[i - start] = items[i].Payload;
                keys[i - start] = items[i].Key;
                if (Encoding.UTF8.GetByteCount(items[i].Payload) > _options.MaxNotifyBytes)
                {
                    large++;
                }
            }
            batch.BatchCommands.Add(new NpgsqlBatchCommand(PublishSql)
            {
                Parameters = { new() { Value = channels }, new() { Value = payloads }, new() { Value = now }, new() { Value = _options.MaxNotifyBytes }, new() { Value = keys } },
            });
            start = end;
        }
        await batch.ExecuteNonQueryAsync(ct);
        _large.Add(large);
    }

    /// <summary>The notification handler: runs on the listening connection's reading path, so it only queues.</summary>
    private void OnNotification(string notification)
    {
        var item = BusIncoming.Parse(notification);
        lock (_held)
        {
            if (_holding)
            {
                _held.Add(item);
                return;
            }
        }
        Volatile.Write(ref _heardAt, _time.GetUtcNow().ToUnixTimeMilliseconds());
        _incoming.Writer.TryWrite(item);
    }

    private void Hold(bool hold)
    {
        lock (_held)
        {
            _holding = hold;
        }
    }

    /// <summary>Queues what arrived during a replay, behind it, and lets live notifications through again.</summary>
    private void Release()
    {
        lock (_held)
        {
            foreach (var item in _held)
            {
                _incoming.Writer.TryWrite(item);
            }
            _held.Clear();
            _holding = false;
        }
    }

    /// <summary>
    /// Queues the stored messages of this node's channels since it last heard anything (minus a margin); false when
    /// the log may no longer hold all it missed (<see cref="LogCovers"/>).
    /// </summary>
    private async Task<bool> ReplayAsync(NpgsqlConnection connection, long lostAt, CancellationToken ct)
    {
        var heardAt = Volatile.Read(ref _heardAt);
        var since = heardAt - (long)ReplayMargin.TotalMilliseconds;
        var covered = LogCovers(heardAt, lostAt, _time.GetUtcNow().ToUnixTimeMilliseconds(), _options.MessageRetentionSeconds);
        await using var command = new NpgsqlCommand(ReplaySql, connection)
        {
            Parameters = { new() { Value = OwnChannel }, new() { Value = BroadcastChannel }, new() { Value = since } },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            _incoming.Writer.TryWrite(new BusIncoming(reader.GetInt64(0), reader.GetString(1), Replayed: true));
        }
        return covered;
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

    /// <summary>A queued message; <paramref name="Key"/> identifies a control message across publish retries.</summary>
    private readonly record struct Outgoing(string Channel, string Payload, bool Durable, Guid Key);

    private sealed record Envelope<T>(string Kind, string From, T Body);
}
