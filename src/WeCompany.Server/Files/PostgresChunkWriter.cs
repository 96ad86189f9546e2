using System.Buffers;
using Npgsql;

namespace WeCompany.Server.Files;

/// <summary>
/// The write side of a <see cref="PostgresFileStorage"/> upload: bytes gather in a pooled chunk buffer; a full chunk
/// is sent to PostgreSQL while the next one fills from the request (write-behind: receiving and storing overlap
/// instead of taking turns), and the next full chunk waits for that write first. So an upload holds two chunks at
/// most and one connection at a time, only while a chunk is in flight. Chunks are numbered from 0.
/// </summary>
internal sealed class PostgresChunkWriter(PostgresFileStorage storage, string key) : Stream
{
    private readonly int _chunkBytes = storage.ChunkSize;
    private byte[]? _filling = ArrayPool<byte>.Shared.Rent(storage.ChunkSize);
    private byte[]? _inFlight;
    private Task? _pending;
    private int _filled;
    private int _seq;
    private long _length;
    private bool _disposed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException("An upload is written front to back.");
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!source.IsEmpty)
        {
            var take = Math.Min(source.Length, _chunkBytes - _filled);
            source.Span[..take].CopyTo(_filling.AsSpan(_filled));
            _filled += take;
            _length += take;
            source = source[take..];
            if (_filled == _chunkBytes)
            {
                await SendFilledAsync(cancellationToken);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Kestrel forbids synchronous I/O on requests; a synchronous caller elsewhere blocks on the same path.
    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Writes the partly filled last chunk and waits until every chunk is stored (at commit).</summary>
    public async ValueTask WriteRestAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_filled > 0)
        {
            await SendFilledAsync(cancellationToken);
        }
        await AwaitPendingAsync();
    }

    // Only whole chunks leave before commit: the bytes of an object become readable together, at commit.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("An upload is write-only.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An upload is written front to back.");

    public override void SetLength(long value) => throw new NotSupportedException("An upload is written front to back.");

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_pending is { } pending)
        {
            // The buffer in flight goes back to the pool only once PostgreSQL has it; a failure no longer matters.
            await pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        ReturnBuffers();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            ((Task?)_pending)?.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
            ReturnBuffers();
        }
        base.Dispose(disposing);
    }

    /// <summary>Waits for the chunk in flight (throwing its failure), then sends the filled one and swaps buffers.</summary>
    private async ValueTask SendFilledAsync(CancellationToken cancellationToken)
    {
        await AwaitPendingAsync();
        var chunk = _filling!;
        _pending = SendAsync(chunk, _seq, _filled, cancellationToken);
        _seq++;
        _filling = _inFlight ?? ArrayPool<byte>.Shared.Rent(_chunkBytes);
        _inFlight = chunk;
        _filled = 0;
    }

    private async Task SendAsync(byte[] chunk, int seq, int length, CancellationToken cancellationToken)
    {
        try
        {
            await storage.WriteChunkAsync(key, seq, chunk.AsMemory(0, length), cancellationToken);
        }
        catch (NpgsqlException e)
        {
            throw new IOException("A chunk of the file could not be written to PostgreSQL.", e);
        }
    }

    private async ValueTask AwaitPendingAsync()
    {
        if (_pending is { } pending)
        {
            _pending = null;
            await pending;
        }
    }

    private void ReturnBuffers()
    {
        if (_filling is not null)
        {
            ArrayPool<byte>.Shared.Return(_filling);
        }
        if (_inFlight is not null)
        {
            ArrayPool<byte>.Shared.Return(_inFlight);
        }
        _filling = null;
        _inFlight = null;
    }
}
