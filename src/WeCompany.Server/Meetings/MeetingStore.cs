using System.Data.Common;
using Dapper;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Storage;
using WeCompany.Server.Webhooks;

namespace WeCompany.Server.Meetings;

/// <summary>
/// Meetings and invitations in the store (participants are in <see cref="ParticipantStore"/>). Every query runs
/// on SQLite and PostgreSQL. Each change writes its webhook event (<see cref="WebhookOutbox"/>) in its own transaction.
/// Thread-safe: each call opens its own pooled connection.
/// </summary>
public sealed class MeetingStore(Database database, MeetingListCache cache, WebhookOutbox outbox)
{
    internal const string Columns =
        "m.id, m.code, m.title, m.description, m.host_id, " +
        "CASE WHEN u.full_name = '' THEN u.username ELSE u.full_name END AS host_name, " +
        "m.start_time, m.duration_minutes, m.max_participants, m.is_public, m.enable_recording, m.enable_ai_analysis, m.screen_share_requires_grant, " +
        "m.require_password, m.password_hash, m.status, m.seats_taken, m.audience_taken, m.present_count, " +
        "m.started_at, m.ended_at, m.empty_since, m.created_at, m.updated_at";

    // The visibility rule of the list: public meetings, the ones the user hosts, was invited to or joined.
    private const string Visible =
        "(m.is_public OR m.host_id = @userId " +
        "OR EXISTS (SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id AND p.user_id = @userId) " +
        "OR EXISTS (SELECT 1 FROM meeting_invitations i WHERE i.meeting_id = m.id AND i.user_id = @userId))";

    /// <summary>Inserts a meeting and its invitations (unknown user ids are skipped). Null when the code is taken.</summary>
    public async Task<MeetingRecord?> InsertAsync(string code, long hostId, MeetingFields fields, IReadOnlyCollection<long> invitees, long now, CancellationToken ct)
    {
        try
        {
            return await InsertCoreAsync(code, hostId, fields, invitees, now, ct);
        }
        finally
        {
            cache.Invalidate();
        }
    }

    private async Task<MeetingRecord?> InsertCoreAsync(string code, long hostId, MeetingFields fields, IReadOnlyCollection<long> invitees, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        long id;
        try
        {
            id = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
                INSERT INTO meetings (code, title, description, host_id, start_time, duration_minutes, max_participants, is_public,
                                      enable_recording, enable_ai_analysis, require_password, password_hash, screen_share_requires_grant, status, created_at, updated_at)
                VALUES (@code, @Title, @Description, @hostId, @StartTime, @DurationMinutes, @MaxParticipants, @IsPublic,
                        @EnableRecording, @EnableAiAnalysis, @RequirePassword, @PasswordHash, @ScreenShareRequiresGrant, 'scheduled', @now, @now)
                RETURNING id
                """,
                new
                {
                    code, hostId, now, fields.Title, fields.Description, fields.StartTime, fields.DurationMinutes, fields.MaxParticipants,
                    fields.IsPublic, fields.EnableRecording, fields.EnableAiAnalysis, fields.RequirePassword, fields.PasswordHash,
                    fields.ScreenShareRequiresGrant,
                }, transaction, cancellationToken: ct));
        }
        catch (Exception e) when (Database.IsUniqueViolation(e))
        {
            return null;
        }
        foreach (var userId in invitees)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO meeting_invitations (meeting_id, user_id) SELECT @id, id FROM users WHERE id = @userId",
                new { id, userId }, transaction, cancellationToken: ct));
        }
        await outbox.AddAsync(connection, transaction, WebhookEvent.Create(WebhookEventTypes.MeetingCreated, id, hostId,
            new { meeting_code = code, fields.Title, start_time = At(fields.StartTime), duration = fields.DurationMinutes, fields.MaxParticipants, fields.IsPublic },
            At(now)), ct);
        await outbox.CommitAsync(transaction, ct);
        return await FindByIdAsync(id, ct);
    }

    public async Task<MeetingRecord?> FindByIdAsync(long id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<MeetingRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM meetings m JOIN users u ON u.id = m.host_id WHERE m.id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<MeetingRecord?> FindByCodeAsync(string code, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<MeetingRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM meetings m JOIN users u ON u.id = m.host_id WHERE m.code = @code", new { code }, cancellationToken: ct));
    }

    /// <summary>May <paramref name="userId"/> see the meeting (the list's rule)?</summary>
    public async Task<bool> IsVisibleAsync(long id, long userId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM meetings m WHERE m.id = @id AND {Visible}", new { id, userId }, cancellationToken: ct)) > 0;
    }

    /// <summary>
    /// One page of the meetings <paramref name="userId"/> may see, newest start first, and the total. Answered from
    /// <see cref="MeetingListCache"/> while no write on this node changed meetings since (and for at most its lifetime).
    /// </summary>
    public async Task<MeetingListCache.Page> ListAsync(long userId, string? status, int offset, int limit, CancellationToken ct)
    {
        if (cache.TryGetPage(userId, status, offset, limit, out var cached))
        {
            return cached!;
        }
        return await cache.LoadPageAsync(userId, status, offset, limit, () => ReadPageAsync(userId, status, offset, limit), ct);
    }

    // Not cancellable: requests waiting for the same page share this read (see MeetingListCache.LoadPageAsync).
    private async Task<MeetingListCache.Page> ReadPageAsync(long userId, string? status, int offset, int limit)
    {
        var ct = CancellationToken.None;
        var filter = status is null ? "" : " AND status = @status";
        var joinedFilter = status is null ? "" : " AND m.status = @status";
        var window = offset + limit;
        await using var connection = await database.OpenAsync(ct);
        // What the user may see is a union of four index-driven parts, each read newest start first and cut after
        // offset + limit rows (public meetings, the ones they host, joined, were invited to); the merge sorts at most
        // 4 × (offset + limit) ids. One predicate with OR over the whole table would walk the list index until it
        // found enough visible rows, which is every row for a user who may see few of many meetings.
        var rows = (await connection.QueryAsync<MeetingListRow>(new CommandDefinition(
            $"""
            SELECT m.id, m.code, m.title, CASE WHEN u.full_name = '' THEN u.username ELSE u.full_name END AS host_name,
                   m.start_time, m.status, m.present_count
            FROM (
                SELECT id FROM (SELECT id FROM meetings WHERE is_public = {True}{filter} ORDER BY start_time DESC, id DESC LIMIT @window) pub
                UNION SELECT id FROM (SELECT id FROM meetings WHERE host_id = @userId{filter} ORDER BY start_time DESC, id DESC LIMIT @window) own
                UNION SELECT id FROM (SELECT m.id FROM meeting_participants p JOIN meetings m ON m.id = p.meeting_id
                                      WHERE p.user_id = @userId{joinedFilter}
                                      ORDER BY m.start_time DESC, m.id DESC LIMIT @window) joined
                UNION SELECT id FROM (SELECT m.id FROM meeting_invitations i JOIN meetings m ON m.id = i.meeting_id
                                      WHERE i.user_id = @userId{joinedFilter}
                                      ORDER BY m.start_time DESC, m.id DESC LIMIT @window) invited
            ) visible
            JOIN meetings m ON m.id = visible.id
            JOIN users u ON u.id = m.host_id
            ORDER BY m.start_time DESC, m.id DESC
            LIMIT @limit OFFSET @offset
            """,
            new { userId, status, limit, offset, window }, cancellationToken: ct))).AsList();
        var total = offset == 0 && rows.Count < limit ? rows.Count : await TotalAsync(connection, userId, status, joinedFilter, ct);
        // Built once per read, then shared by every request the cache answers.
        var items = new MeetingSummary[rows.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var m = rows[i];
            items[i] = new MeetingSummary(m.Id, m.Code, m.Title, m.HostName, MeetingView.Time(m.StartTime), m.Status,
                m.Status == MeetingStatuses.Active ? m.PresentCount : 0);
        }
        return new MeetingListCache.Page(items, total);
    }

    private async Task<long> TotalAsync(DbConnection connection, long userId, string? status, string filter, CancellationToken ct)
    {
        if (cache.TryGetTotal(userId, status, out var cached))
        {
            return cached;
        }
        var generation = cache.Generation;
        // Three disjoint counts, each answered from an index: public meetings from (is_public, status), private
        // ones the user hosts from (host_id, is_public, status), the rest from the user's participant and
        // invitation rows (user_id indexes).
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"""
            SELECT (SELECT COUNT(*) FROM meetings m WHERE m.is_public{filter})
                 + (SELECT COUNT(*) FROM meetings m WHERE m.host_id = @userId AND NOT m.is_public{filter})
                 + (SELECT COUNT(*) FROM meetings m WHERE m.host_id <> @userId AND NOT m.is_public{filter} AND m.id IN (
                        SELECT p.meeting_id FROM meeting_participants p WHERE p.user_id = @userId
                        UNION SELECT i.meeting_id FROM meeting_invitations i WHERE i.user_id = @userId))
            """,
            new { userId, status }, cancellationToken: ct));
        cache.SetTotal(userId, status, total, generation);
        return total;
    }

    // Boolean literals differ: the public part's equality lets both engines seek the (is_public, start_time, id) index.
    private string True => database.Dialect == SqlDialect.Postgres ? "TRUE" : "1";

    /// <summary>Writes new fields unless the meeting has ended; false when it has (or is gone).</summary>
    public async Task<bool> UpdateAsync(long id, MeetingFields fields, long byUserId, long now, CancellationToken ct)
    {
        try
        {
            return await UpdateCoreAsync(id, fields, byUserId, now, ct);
        }
        finally
        {
            cache.Invalidate();
        }
    }

    private async Task<bool> UpdateCoreAsync(long id, MeetingFields fields, long byUserId, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE meetings SET title = @Title, description = @Description, start_time = @StartTime, duration_minutes = @DurationMinutes,
                   max_participants = @MaxParticipants, is_public = @IsPublic, enable_recording = @EnableRecording,
                   enable_ai_analysis = @EnableAiAnalysis, require_password = @RequirePassword, password_hash = @PasswordHash,
                   screen_share_requires_grant = @ScreenShareRequiresGrant, updated_at = @now
            WHERE id = @id AND status <> 'ended'
            """,
            new
            {
                id, now, fields.Title, fields.Description, fields.StartTime, fields.DurationMinutes, fields.MaxParticipants,
                fields.IsPublic, fields.EnableRecording, fields.EnableAiAnalysis, fields.RequirePassword, fields.PasswordHash,
                fields.ScreenShareRequiresGrant,
            }, transaction, cancellationToken: ct));
        if (updated == 0)
        {
            return false;
        }
        await outbox.AddAsync(connection, transaction, WebhookEvent.Create(WebhookEventTypes.MeetingUpdated, id, byUserId,
            new
            {
                fields.Title, fields.Description, start_time = At(fields.StartTime), duration = fields.DurationMinutes, fields.MaxParticipants, fields.IsPublic,
                settings = new { fields.EnableRecording, fields.EnableAiAnalysis, fields.RequirePassword, fields.ScreenShareRequiresGrant },
            }, At(now)), ct);
        await outbox.CommitAsync(transaction, ct);
        return true;
    }

    /// <summary>Deletes the meeting unless it is active; false when it is (or is gone).</summary>
    public async Task<bool> DeleteAsync(long id, long byUserId, long now, CancellationToken ct)
    {
        try
        {
            return await DeleteCoreAsync(id, byUserId, now, ct);
        }
        finally
        {
            cache.Invalidate();
        }
    }

    private async Task<bool> DeleteCoreAsync(long id, long byUserId, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM meetings WHERE id = @id AND status <> 'active'", new { id }, transaction, cancellationToken: ct)) == 0)
        {
            return false;
        }
        await outbox.AddAsync(connection, transaction, WebhookEvent.Create(WebhookEventTypes.MeetingDeleted, id, byUserId,
            new { by_user_id = byUserId }, At(now)), ct);
        await outbox.CommitAsync(transaction, ct);
        return true;
    }

    /// <summary>
    /// Ends the meeting and marks everyone present as gone. With <paramref name="onlyIfEmpty"/> it ends only a meeting
    /// still empty since <paramref name="emptySinceAtMost"/> (the sweeper's guard against a join that just arrived).
    /// False when nothing was ended.
    /// </summary>
    public async Task<bool> EndAsync(long id, long byUserId, long now, bool onlyIfEmpty, long emptySinceAtMost, CancellationToken ct)
    {
        try
        {
            return await EndCoreAsync(id, byUserId, now, onlyIfEmpty, emptySinceAtMost, ct);
        }
        finally
        {
            cache.Invalidate();
        }
    }

    private async Task<bool> EndCoreAsync(long id, long byUserId, long now, bool onlyIfEmpty, long emptySinceAtMost, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var guard = onlyIfEmpty ? " AND status = 'active' AND present_count = 0 AND empty_since <= @emptySinceAtMost" : "";
        var ended = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE meetings SET status = 'ended', ended_at = @now, seats_taken = 0, audience_taken = 0, present_count = 0, " +
            "empty_since = NULL, updated_at = @now WHERE id = @id AND status <> 'ended'" + guard,
            new { id, now, emptySinceAtMost }, transaction, cancellationToken: ct));
        if (ended == 0)
        {
            return false;
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE meeting_participants SET left_at = @now WHERE meeting_id = @id AND left_at IS NULL",
            new { id, now }, transaction, cancellationToken: ct));
        // By user 0: the sweeper ended a meeting that stayed empty.
        await outbox.AddAsync(connection, transaction, WebhookEvent.Create(WebhookEventTypes.MeetingEnded, id, byUserId == 0 ? null : byUserId,
            new { by_user_id = byUserId, reason = onlyIfEmpty ? "empty" : "ended_by_host" }, At(now)), ct);
        await outbox.CommitAsync(transaction, ct);
        return true;
    }

    /// <summary>Active meetings empty since at most <paramref name="emptySinceAtMost"/>: the sweeper ends them.</summary>
    public async Task<IReadOnlyList<long>> FindEmptyAsync(long emptySinceAtMost, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT id FROM meetings WHERE status = 'active' AND present_count = 0 AND empty_since <= @emptySinceAtMost",
            new { emptySinceAtMost }, cancellationToken: ct))).AsList();
    }

    private static DateTimeOffset At(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
