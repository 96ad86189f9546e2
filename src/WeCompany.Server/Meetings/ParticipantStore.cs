using System.Data.Common;
using Dapper;
using WeCompany.Server.Storage;
using WeCompany.Server.Webhooks;

namespace WeCompany.Server.Meetings;

/// <summary>
/// Who is in which meeting. The meeting row's counters (seats_taken for co-hosts and participants,
/// audience_taken, present_count) change in the same transaction as the participant rows, and a seat is taken
/// by one conditional UPDATE of the meeting row (<c>... WHERE seats_taken &lt; max_participants</c>): PostgreSQL
/// re-checks that condition after waiting for the row lock of a concurrent join, and SQLite runs one writer at a
/// time, so the last seat goes to exactly one joiner on both engines. Each change writes its webhook event
/// (<see cref="WebhookOutbox"/>) in the same transaction. Thread-safe.
/// </summary>
public sealed class ParticipantStore(Database database, MeetingListCache cache, WebhookOutbox outbox)
{
    private const string Columns =
        "p.id, p.meeting_id, p.user_id, u.username, u.full_name, p.role, p.joined_at, p.left_at, p.kicked_at, p.audio_muted, p.video_muted";

    public async Task<ParticipantRecord?> FindAsync(long meetingId, long userId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await FindAsync(connection, null, "p.meeting_id = @meetingId AND p.user_id = @userId", new { meetingId, userId }, ct);
    }

    public async Task<ParticipantRecord?> FindByIdAsync(long meetingId, long participantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await FindAsync(connection, null, "p.meeting_id = @meetingId AND p.id = @participantId", new { meetingId, participantId }, ct);
    }

    /// <summary>The meeting's state and the user's row in it, in one read (a join's checks); null when the meeting does not exist.</summary>
    public async Task<JoinProbe?> ProbeAsync(long meetingId, long userId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<JoinProbe>(new CommandDefinition(
            "SELECT m.status, m.host_id, m.require_password, m.password_hash, p.id AS participant_id, p.role AS participant_role, " +
            "p.left_at, p.kicked_at FROM meetings m LEFT JOIN meeting_participants p ON p.meeting_id = m.id AND p.user_id = @userId " +
            "WHERE m.id = @meetingId",
            new { meetingId, userId }, cancellationToken: ct));
    }

    /// <summary>Those present now (not left, not kicked), in order of joining.</summary>
    public async Task<IReadOnlyList<ParticipantRecord>> ListPresentAsync(long meetingId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<ParticipantRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM meeting_participants p JOIN users u ON u.id = p.user_id " +
            "WHERE p.meeting_id = @meetingId AND p.left_at IS NULL AND p.kicked_at IS NULL ORDER BY p.joined_at, p.id",
            new { meetingId }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Puts the user in the meeting with <paramref name="role"/> (an existing row keeps its role, the host is always
    /// host), taking a seat of the role's kind atomically. A user already present gets their row back unchanged.
    /// </summary>
    public async Task<(JoinOutcome Outcome, ParticipantRecord? Participant)> JoinAsync(
        long meetingId, long userId, MeetingRole role, int audienceCap, long now, CancellationToken ct)
    {
        try
        {
            return await JoinCoreAsync(meetingId, userId, role, audienceCap, now, ct);
        }
        finally
        {
            cache.Invalidate();
        }
    }

    private async Task<(JoinOutcome Outcome, ParticipantRecord? Participant)> JoinCoreAsync(
        long meetingId, long userId, MeetingRole role, int audienceCap, long now, CancellationToken ct)
    {
        // Two joins of the same user racing on PostgreSQL: the loser's INSERT hits the unique index; its second
        // round finds the winner's row and answers AlreadyIn.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await TryJoinAsync(meetingId, userId, role, audienceCap, now, ct);
            }
            catch (Exception e) when (attempt == 0 && Database.IsUniqueViolation(e))
            {
            }
        }
    }

    private async Task<(JoinOutcome, ParticipantRecord?)> TryJoinAsync(long meetingId, long userId, MeetingRole role, int audienceCap, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var existing = await FindAsync(connection, transaction, "p.meeting_id = @meetingId AND p.user_id = @userId", new { meetingId, userId }, ct);
        if (existing is not null)
        {
            if (existing.KickedAt is not null)
            {
                return (JoinOutcome.Kicked, existing);
            }
            if (existing.LeftAt is null)
            {
                return (JoinOutcome.AlreadyIn, existing);
            }
            role = existing.ParsedRole;
        }
        var counter = CounterFor(role);
        var cap = role switch
        {
            MeetingRole.Host => "",
            MeetingRole.Audience => " AND audience_taken < @audienceCap",
            _ => " AND seats_taken < max_participants",
        };
        var seated = await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE meetings SET {counter}present_count = present_count + 1, status = 'active', " +
            "empty_since = NULL, updated_at = @now " +
            $"WHERE id = @meetingId AND status <> 'ended'{cap}",
            new { meetingId, now, audienceCap }, transaction, cancellationToken: ct));
        if (seated == 0)
        {
            var status = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT status FROM meetings WHERE id = @meetingId", new { meetingId }, transaction, cancellationToken: ct));
            return (status is null ? JoinOutcome.NotFound : status == MeetingStatuses.Ended ? JoinOutcome.Ended : JoinOutcome.Full, null);
        }
        var wire = role.ToWire();
        if (existing is null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO meeting_participants (meeting_id, user_id, role, joined_at, audio_muted, video_muted) " +
                "VALUES (@meetingId, @userId, @wire, @now, @muted, @muted)",
                new { meetingId, userId, wire, now, muted = false }, transaction, cancellationToken: ct));
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE meeting_participants SET left_at = NULL, joined_at = @now, role = @wire, audio_muted = @muted, video_muted = @muted WHERE id = @id",
                new { id = existing.Id, wire, now, muted = false }, transaction, cancellationToken: ct));
        }
        var joined = await FindAsync(connection, transaction, "p.meeting_id = @meetingId AND p.user_id = @userId", new { meetingId, userId }, ct);
        // The first join starts the meeting: only one transaction can find started_at still empty.
        if (await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE meetings SET started_at = @now WHERE id = @meetingId AND started_at IS NULL",
            new { meetingId, now }, transaction, cancellationToken: ct)) > 0)
        {
            await outbox.AddAsync(connection, transaction, WebhookEvent.Create(WebhookEventTypes.MeetingStarted, meetingId, userId,
                new { started_at = At(now) }, At(now)), ct);
        }
        await outbox.AddAsync(connection, transaction, WebhookEvent.Create(WebhookEventTypes.ParticipantJoined, meetingId, userId,
            new { participant_id = joined!.Id, role = joined.Role, rejoined = existing is not null }, At(now)), ct);
        await outbox.CommitAsync(transaction, ct);
        return (JoinOutcome.Joined, joined);
    }

    /// <summary>Marks the present user as gone and frees their seat; false when they were not present.</summary>
    public async Task<bool> LeaveAsync(long meetingId, long userId, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var role = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "UPDATE meeting_participants SET left_at = @now WHERE meeting_id = @meetingId AND user_id = @userId " +
            "AND left_at IS NULL AND kicked_at IS NULL RETURNING role",
            new { meetingId, userId, now }, transaction, cancellationToken: ct));
        if (role is null)
        {
            return false;
        }
        await FreeSeatAsync(connection, transaction, meetingId, role, now, ct);
        await outbox.AddAsync(connection, transaction, WebhookEvent.Create(WebhookEventTypes.ParticipantLeft, meetingId, userId,
            new { role }, At(now)), ct);
        await outbox.CommitAsync(transaction, ct);
        // The meeting's participant_count changed: the lists must show it.
        cache.Invalidate();
        return true;
    }

    /// <summary>
    /// Bars the participant (whose role must still be <paramref name="expectedRole"/>) from the meeting and frees
    /// their seat when present. False when there is no such participant of this meeting or they were already kicked.
    /// </summary>
    public async Task<bool> KickAsync(long meetingId, long participantId, MeetingRole expectedRole, long byUserId, long now, CancellationToken ct)
    {
        var expected = expectedRole.ToWire();
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var present = await connection.QuerySingleOrDefaultAsync<RoleAndUser>(new CommandDefinition(
            "UPDATE meeting_participants SET kicked_at = @now, left_at = @now WHERE id = @participantId AND meeting_id = @meetingId " +
            "AND role = @expected AND left_at IS NULL AND kicked_at IS NULL RETURNING role, user_id",
            new { meetingId, participantId, expected, now }, transaction, cancellationToken: ct));
        long userId;
        if (present is not null)
        {
            userId = present.UserId;
            await FreeSeatAsync(connection, transaction, meetingId, present.Role, now, ct);
        }
        else if (await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "UPDATE meeting_participants SET kicked_at = @now WHERE id = @participantId AND meeting_id = @meetingId " +
            "AND role = @expected AND kicked_at IS NULL RETURNING user_id",
            new { meetingId, participantId, expected, now }, transaction, cancellationToken: ct)) is { } absent)
        {
            userId = absent;
        }
        else
        {
            return false;
        }
        await outbox.AddAsync(connection, transaction, WebhookEvent.Create(WebhookEventTypes.ParticipantKicked, meetingId, userId,
            new { participant_id = participantId, role = expected, by_user_id = byUserId, was_present = present is not null }, At(now)), ct);
        await outbox.CommitAsync(transaction, ct);
        cache.Invalidate();
        return true;
    }

    /// <summary>Gives the participant a new role; a present one moves between seat kinds only when the new kind has room.</summary>
    public async Task<RoleChangeOutcome> ChangeRoleAsync(long meetingId, long participantId, MeetingRole from, MeetingRole to, int audienceCap, long byUserId, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var present = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT CASE WHEN left_at IS NULL THEN 1 ELSE 0 END FROM meeting_participants " +
            "WHERE id = @participantId AND meeting_id = @meetingId AND role = @fromWire AND kicked_at IS NULL",
            new { meetingId, participantId, fromWire = from.ToWire() }, transaction, cancellationToken: ct));
        if (present is null)
        {
            return RoleChangeOutcome.NotFound;
        }
        var fromSeat = from == MeetingRole.Audience;
        var toSeat = to == MeetingRole.Audience;
        if (present == 1 && fromSeat != toSeat)
        {
            var move = toSeat
                ? "seats_taken = seats_taken - 1, audience_taken = audience_taken + 1 WHERE id = @meetingId AND audience_taken < @audienceCap"
                : "seats_taken = seats_taken + 1, audience_taken = audience_taken - 1 WHERE id = @meetingId AND seats_taken < max_participants";
            if (await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE meetings SET updated_at = @now, {move}", new { meetingId, audienceCap, now }, transaction, cancellationToken: ct)) == 0)
            {
                return RoleChangeOutcome.Full;
            }
        }
        if (await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "UPDATE meeting_participants SET role = @toWire WHERE id = @participantId AND role = @fromWire AND kicked_at IS NULL RETURNING user_id",
            new { participantId, toWire = to.ToWire(), fromWire = from.ToWire() }, transaction, cancellationToken: ct)) is not { } userId)
        {
            return RoleChangeOutcome.NotFound;
        }
        await outbox.AddAsync(connection, transaction, WebhookEvent.Create(WebhookEventTypes.ParticipantRoleChanged, meetingId, userId,
            new { participant_id = participantId, from_role = from.ToWire(), role = to.ToWire(), by_user_id = byUserId }, At(now)), ct);
        await outbox.CommitAsync(transaction, ct);
        cache.Invalidate();
        return RoleChangeOutcome.Changed;
    }

    /// <summary>Sets the present user's audio or video mute flag; false when they are not present.</summary>
    public Task<bool> SetMutedByUserAsync(long meetingId, long userId, bool video, bool muted, CancellationToken ct) =>
        SetMutedAsync("user_id = @key", meetingId, userId, video, muted, ct);

    /// <summary>Sets a present participant's audio or video mute flag by participant id; false when not present in this meeting.</summary>
    public Task<bool> SetMutedByIdAsync(long meetingId, long participantId, bool video, bool muted, CancellationToken ct) =>
        SetMutedAsync("id = @key", meetingId, participantId, video, muted, ct);

    private async Task<bool> SetMutedAsync(string match, long meetingId, long key, bool video, bool muted, CancellationToken ct)
    {
        var column = video ? "video_muted" : "audio_muted";
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE meeting_participants SET {column} = @muted WHERE meeting_id = @meetingId AND {match} AND left_at IS NULL AND kicked_at IS NULL",
            new { meetingId, key, muted }, cancellationToken: ct)) > 0;
    }

    /// <summary>Mutes the audio of every present participant whose role is in <paramref name="roles"/>, except <paramref name="exceptUserId"/>.</summary>
    public async Task<int> MuteAllAsync(long meetingId, long exceptUserId, IReadOnlyList<MeetingRole> roles, CancellationToken ct)
    {
        if (roles.Count == 0)
        {
            return 0;
        }
        // The role names are our own constants, so they go in as literals: Dapper's list expansion differs by
        // provider (Npgsql gets an array, which "IN" does not take).
        var list = string.Join(", ", roles.Select(r => "'" + r.ToWire() + "'"));
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE meeting_participants SET audio_muted = @muted WHERE meeting_id = @meetingId AND user_id <> @exceptUserId " +
            $"AND left_at IS NULL AND kicked_at IS NULL AND role IN ({list})",
            new { meetingId, exceptUserId, muted = true }, cancellationToken: ct));
    }

    private static async Task FreeSeatAsync(DbConnection connection, DbTransaction transaction, long meetingId, string role, long now, CancellationToken ct)
    {
        var parsed = MeetingRoles.TryParse(role, out var known) ? known : MeetingRole.Audience;
        var counter = CounterFor(parsed).Replace("+ 1", "- 1", StringComparison.Ordinal);
        // The meeting becomes empty when the last one leaves: the sweeper ends it after the configured time.
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE meetings SET {counter}present_count = present_count - 1, updated_at = @now, " +
            "empty_since = CASE WHEN present_count = 1 THEN @now ELSE empty_since END WHERE id = @meetingId AND status <> 'ended'",
            new { meetingId, now }, transaction, cancellationToken: ct));
    }

    // The counter a role's seat is kept in (the host takes no seat of max_participants).
    private static string CounterFor(MeetingRole role) => role switch
    {
        MeetingRole.Host => "",
        MeetingRole.Audience => "audience_taken = audience_taken + 1, ",
        _ => "seats_taken = seats_taken + 1, ",
    };

    private static async Task<ParticipantRecord?> FindAsync(DbConnection connection, DbTransaction? transaction, string where, object parameters, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<ParticipantRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM meeting_participants p JOIN users u ON u.id = p.user_id WHERE {where}",
            parameters, transaction, cancellationToken: ct));

    private static DateTimeOffset At(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    private sealed class RoleAndUser
    {
        public string Role { get; init; } = "";
        public long UserId { get; init; }
    }
}
