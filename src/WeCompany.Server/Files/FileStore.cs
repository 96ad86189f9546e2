using Dapper;
using WeCompany.Server.Storage;
using WeCompany.Server.Webhooks;

namespace WeCompany.Server.Files;

/// <summary>A row of <c>files</c>.</summary>
public sealed class FileRecord
{
    public long Id { get; init; }

    public string PublicId { get; init; } = "";

    public long MeetingId { get; init; }

    public long UploaderId { get; init; }

    public string FileName { get; init; } = "";

    public string FileType { get; init; } = "";

    public string ContentType { get; init; } = "";

    public long SizeBytes { get; init; }

    public string StorageKey { get; init; } = "";

    public long CreatedAt { get; init; }
}

/// <summary>The files table and the per-user usage that enforces the quota. Thread-safe.</summary>
public sealed class FileStore(Database database, WebhookOutbox outbox)
{
    private const string Columns = "id, public_id, meeting_id, uploader_id, file_name, file_type, content_type, size_bytes, storage_key, created_at";

    /// <summary>
    /// Records the file if the uploader's usage plus its size stays within <paramref name="quotaBytes"/>; false
    /// when it would not. The usage row is raised by one conditional UPDATE in the same transaction as the
    /// insert: the database serialises two uploads racing for the last bytes (SQLite's single writer, the
    /// PostgreSQL row lock re-checking the WHERE after the first commits), so only one of them fits.
    /// </summary>
    public async Task<FileRecord?> TryInsertWithinQuotaAsync(FileRecord file, long quotaBytes, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(
            new CommandDefinition("INSERT INTO file_usage (user_id, used_bytes) VALUES (@UploaderId, 0) ON CONFLICT (user_id) DO NOTHING", file, cancellationToken: ct));
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var reserved = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE file_usage SET used_bytes = used_bytes + @Size WHERE user_id = @User AND used_bytes + @Size <= @Quota",
            new { Size = file.SizeBytes, User = file.UploaderId, Quota = quotaBytes }, transaction, cancellationToken: ct));
        if (reserved != 1)
        {
            await transaction.RollbackAsync(ct);
            return null;
        }
        var stored = await connection.QuerySingleAsync<FileRecord>(new CommandDefinition(
            "INSERT INTO files (public_id, meeting_id, uploader_id, file_name, file_type, content_type, size_bytes, storage_key, created_at) " +
            "VALUES (@PublicId, @MeetingId, @UploaderId, @FileName, @FileType, @ContentType, @SizeBytes, @StorageKey, @CreatedAt) RETURNING " + Columns,
            file, transaction, cancellationToken: ct));
        await outbox.AddAsync(connection, transaction, WebhookEvent.Create(WebhookEventTypes.FileUploaded, stored.MeetingId, stored.UploaderId,
            new { file_id = stored.PublicId, stored.FileName, stored.FileType, stored.ContentType, size = stored.SizeBytes },
            DateTimeOffset.FromUnixTimeMilliseconds(stored.CreatedAt)), ct);
        await outbox.CommitAsync(transaction, ct);
        return stored;
    }

    /// <summary>Bytes the user has stored now.</summary>
    public async Task<long> UsedBytesAsync(long userId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT used_bytes FROM file_usage WHERE user_id = @userId", new { userId }, cancellationToken: ct)) ?? 0;
    }

    public async Task<FileRecord?> FindAsync(string publicId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<FileRecord>(new CommandDefinition(
            "SELECT " + Columns + " FROM files WHERE public_id = @publicId", new { publicId }, cancellationToken: ct));
    }

    /// <summary>One page of the meeting's files, newest first, and how many there are.</summary>
    public async Task<(IReadOnlyList<FileRecord> Files, long Total)> ListForMeetingAsync(long meetingId, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM files WHERE meeting_id = @meetingId", new { meetingId }, cancellationToken: ct));
        var rows = await connection.QueryAsync<FileRecord>(new CommandDefinition(
            "SELECT " + Columns + " FROM files WHERE meeting_id = @meetingId ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset",
            new { meetingId, limit, offset }, cancellationToken: ct));
        return (rows.AsList(), total);
    }

    /// <summary>Removes the row and gives its bytes back to the uploader's quota; false when it was already gone.</summary>
    public async Task<bool> DeleteAsync(FileRecord file, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM files WHERE id = @Id", new { file.Id }, transaction, cancellationToken: ct));
        if (deleted == 1)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE file_usage SET used_bytes = used_bytes - @SizeBytes WHERE user_id = @UploaderId", new { file.SizeBytes, file.UploaderId }, transaction, cancellationToken: ct));
        }
        await transaction.CommitAsync(ct);
        return deleted == 1;
    }
}
