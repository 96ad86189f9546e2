using System.Collections.Concurrent;
using Dapper;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Signaling;

/// <summary>A stored chat message.</summary>
public sealed class ChatRecord
{
    public long MeetingId { get; init; }
    public long Seq { get; init; }
    public string MessageId { get; init; } = "";
    public long FromUserId { get; init; }
    public string Username { get; init; } = "";
    public long? ToUserId { get; init; }
    public string Content { get; init; } = "";
    public long CreatedAt { get; init; }
}

/// <summary>
/// Chat messages with a per-meeting sequence number. The number is taken inside the INSERT (max + 1); the
/// unique (meeting_id, seq) index turns a race between two writers into a retry instead of a duplicate.
/// </summary>
public sealed class ChatStore : IDisposable
{
    private const string Columns = "meeting_id, seq, message_id, from_user_id, username, to_user_id, content, created_at";
    private readonly Database database;
    private readonly BlockingCollection<Action>? _sqliteWrites;

    public ChatStore(Database database)
    {
        this.database = database;
        if (database.Dialect == SqlDialect.Sqlite)
        {
            // SQLite's driver is synchronous: a commit holds its thread through the disk flush. One writer thread
            // of our own takes those waits off the thread pool (SQLite admits one writer at a time anyway).
            _sqliteWrites = [];
            new Thread(RunSqliteWriter) { IsBackground = true, Name = "chat-store-writer" }.Start();
        }
    }

    public async Task<ChatRecord> InsertAsync(long meetingId, string messageId, long fromUserId, string username, long? toUserId, string content, long now, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var connection = await database.OpenAsync(ct);
            try
            {
                return await connection.QuerySingleAsync<ChatRecord>(new CommandDefinition($"""
                    INSERT INTO chat_messages ({Columns})
                    SELECT @meetingId, COALESCE(MAX(seq), 0) + 1, @messageId, @fromUserId, @username, @toUserId, @content, @now
                    FROM chat_messages WHERE meeting_id = @meetingId
                    RETURNING {Columns}
                    """, new { meetingId, messageId, fromUserId, username, toUserId, content, now }, cancellationToken: ct));
            }
            catch (Exception e) when (Database.IsUniqueViolation(e) && attempt < 50)
            {
                // Another node numbered a message at the same moment: take the next number.
            }
        }
    }

    /// <summary>
    /// Stores several messages of one meeting in one transaction (one disk flush), numbered in list order:
    /// the chat path's group commit when messages arrive faster than the store flushes.
    /// </summary>
    public Task<IReadOnlyList<ChatRecord>> InsertBatchAsync(long meetingId, IReadOnlyList<ChatRecord> messages, long now, CancellationToken ct)
    {
        if (_sqliteWrites is null)
        {
            return InsertBatchCoreAsync(meetingId, messages, now, ct);
        }
        var done = new TaskCompletionSource<IReadOnlyList<ChatRecord>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _sqliteWrites.Add(() =>
        {
            try
            {
                // Every await inside completes synchronously on SQLite: this runs start to end on the writer thread.
                done.SetResult(InsertBatchCoreAsync(meetingId, messages, now, CancellationToken.None).GetAwaiter().GetResult());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }, ct);
        return done.Task;
    }

    private void RunSqliteWriter()
    {
        foreach (var write in _sqliteWrites!.GetConsumingEnumerable())
        {
            write();
        }
    }

    public void Dispose() => _sqliteWrites?.CompleteAdding();

    private async Task<IReadOnlyList<ChatRecord>> InsertBatchCoreAsync(long meetingId, IReadOnlyList<ChatRecord> messages, long now, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var connection = await database.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            try
            {
                var last = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    "SELECT MAX(seq) FROM chat_messages WHERE meeting_id = @meetingId", new { meetingId }, transaction, cancellationToken: ct)) ?? 0;
                var stored = new List<ChatRecord>(messages.Count);
                foreach (var message in messages)
                {
                    var record = new ChatRecord
                    {
                        MeetingId = meetingId,
                        Seq = ++last,
                        MessageId = message.MessageId,
                        FromUserId = message.FromUserId,
                        Username = message.Username,
                        ToUserId = message.ToUserId,
                        Content = message.Content,
                        CreatedAt = now,
                    };
                    await connection.ExecuteAsync(new CommandDefinition(
                        $"INSERT INTO chat_messages ({Columns}) VALUES (@MeetingId, @Seq, @MessageId, @FromUserId, @Username, @ToUserId, @Content, @CreatedAt)",
                        record, transaction, cancellationToken: ct));
                    stored.Add(record);
                }
                await transaction.CommitAsync(ct);
                return stored;
            }
            catch (Exception e) when (Database.IsUniqueViolation(e) && attempt < 50)
            {
                // Another node numbered messages of this meeting at the same moment: number the batch again.
                await transaction.RollbackAsync(ct);
            }
        }
    }

    public async Task<long> LastSeqAsync(long meetingId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(seq) FROM chat_messages WHERE meeting_id = @meetingId", new { meetingId }, cancellationToken: ct)) ?? 0;
    }

    /// <summary>Messages after <paramref name="afterSeq"/> that <paramref name="viewerUserId"/> may read (public, or private to or from them), oldest first.</summary>
    public async Task<IReadOnlyList<ChatRecord>> ListAfterAsync(long meetingId, long viewerUserId, long afterSeq, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ChatRecord>(new CommandDefinition($"""
            SELECT {Columns} FROM chat_messages
            WHERE meeting_id = @meetingId AND seq > @afterSeq
              AND (to_user_id IS NULL OR to_user_id = @viewerUserId OR from_user_id = @viewerUserId)
            ORDER BY seq
            LIMIT @limit
            """, new { meetingId, viewerUserId, afterSeq, limit }, cancellationToken: ct));
        return rows.AsList();
    }
}
