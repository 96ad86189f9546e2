using System.Buffers;

namespace WeCompany.Server.Files;

/// <summary>
/// A committed object of <see cref="PostgresFileStorage"/> as a seekable read-only stream with its Length, so that
/// Results.Stream answers Range, If-Range and 416 as for a file on disk. It holds one chunk in a pooled buffer and
/// fetches the chunk under <see cref="Position"/> when a read leaves the one it holds: a sequential download costs
/// one query per chunk, a range request only the chunks it covers, and no connection stays checked out between reads.
/// </summary>
internal sealed class PostgresBlobReadStream : Stream
{
    private readonly PostgresFileStorage _storage;
    private readonly string _key;
    private readonly long _length;
    private readonly int _chunkBytes;
    private byte[]? _buffer;
    private long _bufferedSeq = -1;
    private int _bufferedLength;
    private long _position;
    private bool _disposed;

    public PostgresBlobReadStream(PostgresFileStorage storage, string key, long length, int chunkBytes)
    {
        _storage = storage;
        _key = key;
        _length = length;
        _chunkBytes = chunkBytes;
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

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
        if (destination.IsEmpty || _position >= _length)
        {
            return 0;
        }
        var seq = _position / _chunkBytes;
        if (seq != _bufferedSeq)
        {
            // Rented on the first read, so a stream opened only for its headers (304, 416) costs no buffer.
            _buffer ??= ArrayPool<byte>.Shared.Rent(_chunkBytes);
            var expected = (int)Math.Min(_chunkBytes, _length - seq * _chunkBytes);
            _bufferedSeq = -1;
            _bufferedLength = await _storage.ReadChunkAsync(_key, seq, _buffer.AsMemory(0, expected), cancellationToken);
            _bufferedSeq = seq;
        }
        var offset = (int)(_position - seq * _chunkBytes);
        var count = Math.Min(destination.Length, _bufferedLength - offset);
        _buffer!.AsSpan(offset, count).CopyTo(destination.Span);
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
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("Stored objects are immutable.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Stored objects are immutable.");

    protected override void Dispose(bool disposing)
    {
        if (_buffer is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        _buffer = null;
        _disposed = true;
        base.Dispose(disposing);
    }
}
