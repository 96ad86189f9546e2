using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Files;

/// <summary>
/// Files in PostgreSQL, so that every node of a cluster serves every file with nothing shared but the database.
/// An object is a row of <c>file_objects</c> (its length, chunk size and whether it is committed) and its bytes
/// are rows of <c>file_chunks</c>, <see cref="ChunkBytes"/> each (the last one shorter), keyed by (storage_key, seq).
/// <para>
/// Chunk rows rather than PostgreSQL large objects: Npgsql 10 marks its large-object API obsolete (call lo_* by
/// hand), and a large object can only be read inside a transaction, so a download would hold a pooled connection
/// and an open transaction for as long as its client takes to read. A chunk is one short query on a pooled
/// connection, and a range request fetches only the chunks it covers.
/// </para>
/// <para>
/// Abandoned uploads: each chunk is written by its own statement and the object row says committed only after
/// <see cref="IFileUpload.CommitAsync"/>. One transaction around the whole upload would drop a dead node's bytes by
/// itself, but it would hold a connection from the pool for as long as the slowest client takes to send its file
/// (a few hundred slow uploads would starve every other request of the node) and hold back vacuum meanwhile.
/// Instead, disposing an uncommitted upload deletes it at once, and <see cref="SweepAsync"/> (every node runs it,
/// <see cref="FileObjectSweeper"/>) deletes uploads not written to for Files:AbandonedUploadMinutes — what a node
/// that died mid-upload leaves — and committed objects no file row points at (a node that died between committing
/// the bytes and recording the file).
/// </para>
/// </summary>
public sealed class PostgresFileStorage : IFileStorage
{
    /// <summary>
    /// 512 KiB per chunk: a round trip per half mebibyte keeps the per-query cost small against the bytes moved,
    /// a transfer holds two chunks (one being received or sent, one in flight to or from PostgreSQL), and a small
    /// range request reads at most two. Each object records its own chunk size, so changing this needs no migration.
    /// </summary>
    public const int ChunkBytes = 512 * 1024;

    private readonly Database _database;
    private readonly TimeProvider _clock;
    private readonly int _chunkBytes;

    public PostgresFileStorage(Database database, TimeProvider clock, int chunkBytes = ChunkBytes)
    {
        if (database.Dialect != SqlDialect.Postgres)
        {
            throw new InvalidOperationException("Files:Storage=postgres needs Storage:Provider=postgres.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        _database = database;
        _clock = clock;
        _chunkBytes = chunkBytes;
    }

    public async ValueTask<IFileUpload> BeginAsync(CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "INSERT INTO file_objects (storage_key, length, chunk_bytes, committed, touched_at) VALUES ($1, 0, $2, FALSE, $3)", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _chunkBytes });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Now() });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new Upload(this, key);
    }

    public async ValueTask<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT length, chunk_bytes FROM file_objects WHERE storage_key = $1 AND committed", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new PostgresBlobReadStream(this, key, reader.GetInt64(0), reader.GetInt32(1));
    }

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        // The chunks go with the object row (ON DELETE CASCADE).
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM file_objects WHERE storage_key = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes uploads last written before <paramref name="abandonedBefore"/> (Unix ms) that never committed, and
    /// committed objects of that age that no row of <c>files</c> points at; answers how many objects went.
    /// Safe on every node at once: each DELETE is idempotent.
    /// </summary>
    public async Task<int> SweepAsync(long abandonedBefore, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "DELETE FROM file_objects o WHERE o.touched_at < $1 " +
            "AND (NOT o.committed OR NOT EXISTS (SELECT 1 FROM files f WHERE f.storage_key = o.storage_key))", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = abandonedBefore });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal int ChunkSize => _chunkBytes;

    internal long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    internal async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        (NpgsqlConnection)await _database.OpenAsync(cancellationToken);

    /// <summary>
    /// Reads chunk <paramref name="seq"/> of <paramref name="key"/> into <paramref name="destination"/> (streamed off the
    /// wire, no copy of the row in between); answers its length, or throws when the row is missing or not that long.
    /// </summary>
    internal async ValueTask<int> ReadChunkAsync(string key, long seq, Memory<byte> destination, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT data FROM file_chunks WHERE storage_key = $1 AND seq = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = checked((int)seq) });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess | System.Data.CommandBehavior.SingleRow, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new IOException($"Chunk {seq} of stored object {key} is missing.");
        }
        await using var data = await reader.GetStreamAsync(0, cancellationToken);
        var length = 0;
        while (length < destination.Length)
        {
            var read = await data.ReadAsync(destination[length..], cancellationToken);
            if (read == 0)
            {
                break;
            }
            length += read;
        }
        if (length != destination.Length)
        {
            throw new IOException($"Chunk {seq} of stored object {key} holds {length} bytes, not {destination.Length}.");
        }
        return length;
    }

    internal async Task WriteChunkAsync(string key, int seq, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // The chunk and the object's touch (what keeps a live upload from the sweep) in one statement and round trip.
        await using var command = new NpgsqlCommand(
            "WITH chunk AS (INSERT INTO file_chunks (storage_key, seq, data) VALUES ($1, $2, $3)) " +
            "UPDATE file_objects SET touched_at = $4 WHERE storage_key = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seq });
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Now() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async ValueTask<bool> MarkCommittedAsync(string key, long length, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "UPDATE file_objects SET committed = TRUE, length = $2, touched_at = $3 WHERE storage_key = $1 AND NOT committed", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = length });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Now() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// An upload: <see cref="Content"/> (<see cref="PostgresChunkWriter"/>) writes chunks as they fill; the last,
    /// shorter chunk goes at commit. Database failures surface as <see cref="IOException"/> (the upload answers 30001).
    /// </summary>
    private sealed class Upload : IFileUpload
    {
        private readonly PostgresFileStorage _storage;
        private readonly PostgresChunkWriter _writer;
        private bool _committed;
        private bool _disposed;

        public Upload(PostgresFileStorage storage, string key)
        {
            _storage = storage;
            Key = key;
            _writer = new PostgresChunkWriter(storage, key);
        }

        public string Key { get; }

        public Stream Content => _writer;

        public async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            await _writer.WriteRestAsync(cancellationToken);
            bool marked;
            try
            {
                marked = await _storage.MarkCommittedAsync(Key, _writer.Length, cancellationToken);
            }
            catch (NpgsqlException e)
            {
                throw new IOException("The file could not be committed to PostgreSQL.", e);
            }
            if (!marked)
            {
                throw new IOException($"Stored object {Key} was swept before its upload committed.");
            }
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            await _writer.DisposeAsync();
            if (!_committed)
            {
                try
                {
                    await _storage.DeleteAsync(Key, CancellationToken.None);
                }
                catch (NpgsqlException)
                {
                    // The database is unreachable now; the sweep deletes the abandoned upload later.
                }
            }
        }
    }
}
