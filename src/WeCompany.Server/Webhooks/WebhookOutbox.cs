using System.Data.Common;
using System.Threading.Channels;
using Dapper;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Webhooks;

/// <summary>
/// Writes events into the outbox inside the caller's transaction, so the event exists exactly when the change it
/// reports was committed. Stores call <see cref="AddAsync"/> before they commit, and commit with
/// <see cref="CommitAsync"/>, which also wakes this node's delivery worker. Thread-safe.
/// </summary>
public sealed class WebhookOutbox(Database database)
{
    // One pending wake is enough: the worker reads everything due when it runs.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    /// <summary>
    /// Adds one delivery row per enabled endpoint that wants <paramref name="webhookEvent"/>'s type (none when no
    /// endpoint does). On PostgreSQL the meeting's row is locked first: two transactions about one meeting then
    /// take their delivery ids in the order they commit, which is the order the worker sends them in.
    /// </summary>
    public async Task AddAsync(DbConnection connection, DbTransaction transaction, WebhookEvent webhookEvent, CancellationToken ct)
    {
        if (database.Dialect == SqlDialect.Postgres && webhookEvent.MeetingId is { } meetingId)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT id FROM meetings WHERE id = @meetingId FOR UPDATE", new { meetingId }, transaction, cancellationToken: ct));
        }
        var now = webhookEvent.CreatedAt.ToUnixTimeMilliseconds();
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, order_key, body, attempts, next_attempt_at, created_at) " +
            "SELECT id, @Id, @Type, @orderKey, @body, 0, @now, @now FROM webhook_endpoints " +
            "WHERE enabled AND (events = '*' OR ',' || events || ',' LIKE @pattern) ORDER BY id",
            new { webhookEvent.Id, webhookEvent.Type, orderKey = webhookEvent.OrderKey, body = webhookEvent.ToJson(), now, pattern = "%," + webhookEvent.Type + ",%" },
            transaction, cancellationToken: ct));
    }

    /// <summary>Commits the transaction that added events, then wakes the delivery worker.</summary>
    public async Task CommitAsync(DbTransaction transaction, CancellationToken ct)
    {
        await transaction.CommitAsync(ct);
        Wake();
    }

    /// <summary>Tells the worker there may be something to send (an event committed, a delivery finished).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// Waits for <see cref="Wake"/> or <paramref name="timeout"/>, whichever comes first; true when woken. One waiter:
    /// the worker.
    /// </summary>
    internal async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (_wake.Reader.TryRead(out _))
        {
            return true;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await _wake.Reader.WaitToReadAsync(deadline.Token);
            _wake.Reader.TryRead(out _);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
