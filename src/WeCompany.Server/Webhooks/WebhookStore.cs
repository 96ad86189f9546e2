using System.Data.Common;
using Dapper;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Webhooks;

/// <summary>
/// Endpoints and deliveries in the store, on SQLite and PostgreSQL. webhook_deliveries holds only unfinished
/// deliveries; finishing one moves it to webhook_delivery_history. Deliveries are claimed with a lease: on
/// PostgreSQL the claim skips rows another node is claiming at the same moment (<c>FOR UPDATE SKIP LOCKED</c>), and
/// the lease keeps them from everyone else until it expires; SQLite has one writer, so claims never overlap.
/// Thread-safe: each call opens its own pooled connection.
/// </summary>
public sealed class WebhookStore(Database database)
{
    private const string EndpointColumns =
        "id, url, description, secret, previous_secret, previous_secret_until, secret_rotated_at, events, enabled, created_by, created_at, updated_at";

    private string SkipLocked => database.Dialect == SqlDialect.Postgres ? " FOR UPDATE SKIP LOCKED" : "";

    public async Task<WebhookEndpointRecord> InsertEndpointAsync(string url, string description, string secret, string events, bool enabled, long createdBy, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleAsync<WebhookEndpointRecord>(new CommandDefinition(
            "INSERT INTO webhook_endpoints (url, description, secret, events, enabled, created_by, created_at, updated_at) " +
            $"VALUES (@url, @description, @secret, @events, @enabled, @createdBy, @now, @now) RETURNING {EndpointColumns}",
            new { url, description, secret, events, enabled, createdBy, now }, cancellationToken: ct));
    }

    public async Task<WebhookEndpointRecord?> FindEndpointAsync(long id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<WebhookEndpointRecord>(new CommandDefinition(
            $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE id = @id AND deleted_at IS NULL", new { id }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<WebhookEndpointRecord>> ListEndpointsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<WebhookEndpointRecord>(new CommandDefinition(
            $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY id", cancellationToken: ct))).AsList();
    }

    /// <summary>Writes the endpoint's URL, events, enabled flag and description; null when it does not exist.</summary>
    public async Task<WebhookEndpointRecord?> UpdateEndpointAsync(long id, string url, string description, string events, bool enabled, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<WebhookEndpointRecord>(new CommandDefinition(
            "UPDATE webhook_endpoints SET url = @url, description = @description, events = @events, enabled = @enabled, updated_at = @now " +
            $"WHERE id = @id AND deleted_at IS NULL RETURNING {EndpointColumns}",
            new { id, url, description, events, enabled, now }, cancellationToken: ct));
    }

    /// <summary>Puts <paramref name="secret"/> in force; the current one keeps signing until <paramref name="previousUntil"/>.</summary>
    public async Task<WebhookEndpointRecord?> RotateSecretAsync(long id, string secret, long previousUntil, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<WebhookEndpointRecord>(new CommandDefinition(
            "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = @previousUntil, secret = @secret, " +
            $"secret_rotated_at = @now, updated_at = @now WHERE id = @id AND deleted_at IS NULL RETURNING {EndpointColumns}",
            new { id, secret, previousUntil, now }, cancellationToken: ct));
    }

    /// <summary>
    /// Deletes the endpoint: it leaves the API and gets no new deliveries at once; its rows (pending ones are never sent)
    /// are removed by <see cref="PurgeDeletedAsync"/> later. False when it does not exist.
    /// </summary>
    public async Task<bool> DeleteEndpointAsync(long id, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE webhook_endpoints SET enabled = @disabled, deleted_at = @now WHERE id = @id AND deleted_at IS NULL",
            new { id, now, disabled = false }, cancellationToken: ct)) > 0;
    }

    /// <summary>
    /// Removes endpoints deleted before <paramref name="before"/> with all their rows. By then none of their rows is
    /// leased (nothing new is leased for a deleted endpoint, and a lease is shorter than the wait), so this takes no
    /// row lock a worker round holds.
    /// </summary>
    public async Task<int> PurgeDeletedAsync(long before, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var ids = (await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT id FROM webhook_endpoints WHERE deleted_at < @before", new { before }, transaction, cancellationToken: ct))).AsList();
        foreach (var id in ids)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM webhook_deliveries WHERE endpoint_id = @id", new { id }, transaction, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM webhook_delivery_history WHERE endpoint_id = @id", new { id }, transaction, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM webhook_endpoints WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        }
        await transaction.CommitAsync(ct);
        return ids.Count;
    }

    /// <summary>The endpoint's newest deliveries first, unfinished and finished together.</summary>
    public async Task<IReadOnlyList<WebhookDeliveryRecord>> ListDeliveriesAsync(long endpointId, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<WebhookDeliveryRecord>(new CommandDefinition(
            "SELECT * FROM (" +
            "SELECT id, event_id, event_type, order_key, 'pending' AS state, attempts, next_attempt_at, last_status, last_error, last_latency_ms, " +
            "created_at, CAST(NULL AS BIGINT) AS finished_at FROM webhook_deliveries WHERE endpoint_id = @endpointId " +
            "UNION ALL SELECT id, event_id, event_type, order_key, state, attempts, CAST(NULL AS BIGINT) AS next_attempt_at, last_status, last_error, " +
            "last_latency_ms, created_at, finished_at FROM webhook_delivery_history WHERE endpoint_id = @endpointId" +
            ") d ORDER BY id DESC LIMIT @limit",
            new { endpointId, limit }, cancellationToken: ct))).AsList();
    }

    /// <summary>The endpoint's deliveries by state.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountDeliveriesAsync(long endpointId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<(string State, long Count)>(new CommandDefinition(
            "SELECT 'pending', COUNT(*) FROM webhook_deliveries WHERE endpoint_id = @endpointId " +
            "UNION ALL SELECT state, COUNT(*) FROM webhook_delivery_history WHERE endpoint_id = @endpointId GROUP BY state",
            new { endpointId }, cancellationToken: ct))).ToDictionary(r => r.State, r => r.Count);
    }

    private const string DueCondition = "d.next_attempt_at <= @now AND (d.lease_until IS NULL OR d.lease_until < @now)";

    /// <summary>Whether any enabled endpoint has a delivery due now and not leased (a read: no write lock when idle).</summary>
    public async Task<bool> AnyDueAsync(long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            $"SELECT 1 FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.enabled AND {DueCondition} LIMIT 1",
            new { now }, cancellationToken: ct)) is not null;
    }

    /// <summary>
    /// One round of the delivery worker, in one transaction (one commit, however many events it covers): records
    /// <paramref name="outcomes"/> (<see cref="FinishAsync"/>), then, for each enabled endpoint with due deliveries,
    /// leases as many as <paramref name="freeSlots"/> allows (<see cref="ClaimAsync"/>). Answers the endpoints read in
    /// the round (URL and secrets as they are now) with what was leased of each.
    /// </summary>
    public async Task<IReadOnlyList<(WebhookEndpointRecord Endpoint, IReadOnlyList<ClaimedDelivery> Claimed)>> RoundAsync(
        IReadOnlyList<DeliveryOutcome> outcomes, string node, long now, long leaseUntil, Func<long, int> freeSlots, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await FinishAsync(connection, transaction, outcomes, node, now, ct);
        var due = (await connection.QueryAsync<WebhookEndpointRecord>(new CommandDefinition(
            $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE enabled AND EXISTS (SELECT 1 FROM webhook_deliveries d " +
            $"WHERE d.endpoint_id = webhook_endpoints.id AND {DueCondition})",
            new { now }, transaction, cancellationToken: ct))).AsList();
        var result = new List<(WebhookEndpointRecord, IReadOnlyList<ClaimedDelivery>)>(due.Count);
        foreach (var endpoint in due)
        {
            var free = freeSlots(endpoint.Id);
            if (free > 0 && await ClaimAsync(connection, transaction, endpoint.Id, node, now, leaseUntil, free, ct) is { Count: > 0 } claimed)
            {
                result.Add((endpoint, claimed));
            }
        }
        await transaction.CommitAsync(ct);
        return result;
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> due deliveries of the endpoint to <paramref name="node"/> and counts the
    /// attempt. Only the head of each order key's queue is taken: a row waits while an earlier row of the same
    /// endpoint and meeting is unfinished (being sent, or waiting to retry), so a meeting's events arrive in order.
    /// </summary>
    private async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(DbConnection connection, DbTransaction transaction, long endpointId, string node,
        long now, long leaseUntil, int limit, CancellationToken ct)
    {
        var claimed = (await connection.QueryAsync<ClaimedDelivery>(new CommandDefinition(
            "UPDATE webhook_deliveries SET lease_owner = @node, lease_until = @leaseUntil, attempts = attempts + 1 WHERE id IN (" +
            $"SELECT d.id FROM webhook_deliveries d WHERE d.endpoint_id = @endpointId AND {DueCondition} " +
            "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id AND e.order_key = d.order_key " +
            "AND e.id < d.id) " +
            $"ORDER BY d.id LIMIT @limit{SkipLocked}) " +
            "RETURNING id, event_id, body, attempts, created_at",
            new { endpointId, node, now, leaseUntil, limit }, transaction, cancellationToken: ct))).AsList();
        claimed.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return claimed;
    }

    /// <summary>Records outcomes alone, in one transaction (the worker's last act at shutdown).</summary>
    public async Task FinishAsync(IReadOnlyList<DeliveryOutcome> outcomes, string node, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await FinishAsync(connection, transaction, outcomes, node, now, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Records the outcomes of attempts: a finished delivery moves to the history, a failed attempt waits for its
    /// retry. An outcome whose lease is no longer this node's (another node took the row over) changes nothing.
    /// </summary>
    private static async Task FinishAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<DeliveryOutcome> outcomes, string node, long now, CancellationToken ct)
    {
        // In id order, as claims lock rows: two transactions that lock several rows then never wait on each other in a circle.
        foreach (var o in outcomes.OrderBy(o => o.Id))
        {
            var parameters = new { o.Id, node, o.Status, o.Error, o.LatencyMs, next = o.NextAttemptAt, now,
                state = o.Delivered ? WebhookDeliveryStates.Delivered : WebhookDeliveryStates.Failed };
            if (!o.Delivered && o.NextAttemptAt is not null)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE webhook_deliveries SET next_attempt_at = @next, lease_owner = NULL, lease_until = NULL, last_status = @Status, " +
                    "last_error = @Error, last_latency_ms = @LatencyMs WHERE id = @Id AND lease_owner = @node",
                    parameters, transaction, cancellationToken: ct));
                continue;
            }
            if (await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO webhook_delivery_history (id, endpoint_id, event_id, event_type, order_key, state, attempts, last_status, last_error, " +
                "last_latency_ms, created_at, finished_at) SELECT id, endpoint_id, event_id, event_type, order_key, @state, attempts, @Status, @Error, " +
                "@LatencyMs, created_at, @now FROM webhook_deliveries WHERE id = @Id AND lease_owner = @node",
                parameters, transaction, cancellationToken: ct)) > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM webhook_deliveries WHERE id = @Id", parameters, transaction, cancellationToken: ct));
            }
        }
    }

    /// <summary>Gives back the leases <paramref name="node"/> holds (at stop it no longer sends them).</summary>
    public async Task<int> ReleaseLeasesAsync(string node, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = @node",
            new { node }, cancellationToken: ct));
    }

    /// <summary>
    /// At start-up: nothing this node leased before it died is in flight any more. On SQLite this process is the only
    /// one (embedded mode, whose node id is new on every start), so every lease is stale; on PostgreSQL only this
    /// node's are, and other nodes' expire.
    /// </summary>
    public Task<int> ReleaseStaleLeasesAtStartAsync(string node, CancellationToken ct) =>
        database.Dialect == SqlDialect.Sqlite ? ReleaseAllLeasesAsync(ct) : ReleaseLeasesAsync(node, ct);

    private async Task<int> ReleaseAllLeasesAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL", cancellationToken: ct));
    }

    /// <summary>Deletes history rows finished before <paramref name="before"/>.</summary>
    public async Task<int> PruneAsync(long before, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM webhook_delivery_history WHERE finished_at < @before", new { before }, cancellationToken: ct));
    }

    /// <summary>Pending deliveries waiting for their turn or a retry (the backlog gauge).</summary>
    public async Task<long> PendingCountAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM webhook_deliveries", cancellationToken: ct));
    }
}
