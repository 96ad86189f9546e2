using System.Buffers;

namespace WeCompany.Server.Files;

/// <summary>
/// A committed object of <see cref="PostgresFileStorage"/> as a seekable read-only stream with its Length, so that
/// Results.Stream answers Range, If-Range and 416 as for a file on disk. It holds the chunk under
/// <see cref="Position"/> in a pooled buffer and fetches another when a read leaves it: a range request costs only
/// the chunks it covers. Once a read moves on to the next chunk in order (a download, not a small range), the chunk
/// after it is fetched into a second pooled buffer while the current one is sent (read-ahead), so the client's
/// transfer and the database's overlap. At most one query is in flight, and no connection stays checked out between reads.
/// </summary>
internal sealed class PostgresBlobReadStream(PostgresFileStorage storage, string key, long length, int chunkBytes) : Stream
{
    private readonly long _lastSeq = length == 0 ? -1 : (length - 1) / chunkBytes;
    private byte[]? _current;
    private long _currentSeq = -1;
    private int _currentLength;
    private byte[]? _ahead;
    private Task<int>? _aheadRead;
    private long _aheadSeq = -1;
    private long _position;
    private bool _disposed;

    public override bool CanRead => !_disposed;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.IsEmpty || _position >= length)
        {
            return 0;
        }
        var seq = _position / chunkBytes;
        if (seq != _currentSeq)
        {
            await LoadAsync(seq, cancellationToken);
        }
        var offset = (int)(_position - seq * chunkBytes);
        var count = Math.Min(destination.Length, _currentLength - offset);
        _current.AsSpan(offset, count).CopyTo(destination.Span);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Kestrel forbids synchronous I/O on responses; a synchronous caller elsewhere blocks on the same path.
    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("Stored objects are immutable.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Stored objects are immutable.");

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (_aheadRead is { } ahead)
            {
                // Its buffer goes back to the pool only once the read into it is over; its outcome no longer matters.
                await ((Task)ahead).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            ReturnBuffers();
        }
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            ((Task?)_aheadRead)?.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
            ReturnBuffers();
        }
        base.Dispose(disposing);
    }

    private int LengthOf(long seq) => (int)Math.Min(chunkBytes, length - seq * chunkBytes);

    private async ValueTask LoadAsync(long seq, CancellationToken cancellationToken)
    {
        var inOrder = seq == _currentSeq + 1 && _currentSeq >= 0;
        if (_aheadRead is { } ahead)
        {
            _aheadRead = null;
            if (_aheadSeq == seq)
            {
                _currentLength = await ahead;
                (_current, _ahead) = (_ahead, _current);
                _currentSeq = seq;
                ReadAhead(seq, inOrder, cancellationToken);
                return;
            }
            // A seek elsewhere: the chunk fetched ahead is not wanted, but its buffer is busy until the fetch ends.
            await ((Task)ahead).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        // Rented on the first read, so a stream opened only for its headers (304, 416) costs no buffer.
        _current ??= ArrayPool<byte>.Shared.Rent(chunkBytes);
        _currentSeq = -1;
        _currentLength = await storage.ReadChunkAsync(key, seq, _current.AsMemory(0, LengthOf(seq)), cancellationToken);
        _currentSeq = seq;
        ReadAhead(seq, inOrder, cancellationToken);
    }

    private void ReadAhead(long seq, bool inOrder, CancellationToken cancellationToken)
    {
        if (!inOrder || seq >= _lastSeq)
        {
            return;
        }
        _ahead ??= ArrayPool<byte>.Shared.Rent(chunkBytes);
        _aheadSeq = seq + 1;
        _aheadRead = storage.ReadChunkAsync(key, _aheadSeq, _ahead.AsMemory(0, LengthOf(_aheadSeq)), cancellationToken).AsTask();
    }

    private void ReturnBuffers()
    {
        if (_current is not null)
        {
            ArrayPool<byte>.Shared.Return(_current);
        }
        if (_ahead is not null)
        {
            ArrayPool<byte>.Shared.Return(_ahead);
        }
        _current = null;
        _ahead = null;
    }
}
