using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Server.Calls;

/// <summary>
/// One client connection: a read loop (this connection's frames, dispatched to <see cref="TcpServer"/>) and a write
/// loop (drains <see cref="OutgoingQueue"/> into the stream). Concurrency: <see cref="Send(FrameType, ReadOnlySpan{byte}, ReadOnlySpan{byte}, in ReadOnlySequence{byte})"/>
/// may be called from any thread; only the write loop writes to the stream; only the read loop reads.
/// The connection closes exactly once (an Interlocked guard), after which the server forgets it.
/// </summary>
internal sealed class TcpConnection : IDisposable
{
    private static long s_nextId;

    // Connections a read loop queued frames for while parsing one read's worth of frames. They are woken once,
    // when the read loop is done with that buffer, so 64 small frames cost one write-loop wake-up and one send.
    [ThreadStatic]
    private static List<TcpConnection>? t_wakeLater;

    private int _wakePending;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private const int DirectWriteBytes = 16 * 1024;
    private readonly TcpServer _server;
    private readonly OutgoingQueue _queue;
    private readonly AsyncSignal _signal = new();
    private readonly CancellationTokenSource _aborted = new();
    private long _lastActivity;
    private long _closingSince;
    private int _closed;
    private volatile bool _flushThenClose;

    public TcpConnection(Socket socket, Stream stream, TcpServer server, TcpOptions options)
    {
        _socket = socket;
        _stream = stream;
        _server = server;
        _queue = new OutgoingQueue(options.MaxQueuedBytes, options.MaxQueuedFrames);
        Id = "tcp-" + Interlocked.Increment(ref s_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        ConnectedAt = Environment.TickCount64;
        _lastActivity = ConnectedAt;
    }

    public string Id { get; }

    public long ConnectedAt { get; }

    /// <summary>0 until REGISTER succeeds; then the account's user id. Set once, by the read loop.</summary>
    public long UserId { get; set; }

    /// <summary>The user id in decimal UTF-8, as server → client frames name this user as sender.</summary>
    public byte[] UserIdUtf8 { get; set; } = [];

    public IDisposable? Presence { get; set; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public long LastActivity => Volatile.Read(ref _lastActivity);

    public long ClosingSince => Volatile.Read(ref _closingSince);

    public async Task RunAsync(int maxFrameBytes)
    {
        var writing = WriteLoopAsync();
        try
        {
            await ReadLoopAsync(maxFrameBytes);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The peer went away or we aborted: nothing to answer.
        }
        if (!_flushThenClose)
        {
            Abort();
        }
        await writing;
    }

    private async Task ReadLoopAsync(int maxFrameBytes)
    {
        // Zero-byte reads: an idle connection holds no receive buffer (the memory-per-connection goal).
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true));
        try
        {
            while (!_flushThenClose)
            {
                var result = await reader.ReadAsync(_aborted.Token);
                var buffer = result.Buffer;
                var wakeLater = t_wakeLater = _wakeList;
                try
                {
                    while (!_flushThenClose)
                    {
                        var status = FrameReader.TryRead(ref buffer, maxFrameBytes, out var frame, out var error);
                        if (status == FrameReadStatus.Incomplete)
                        {
                            break;
                        }
                        Volatile.Write(ref _lastActivity, Environment.TickCount64);
                        if (status == FrameReadStatus.Complete)
                        {
                            var pending = _server.HandleFrame(this, frame);
                            if (!pending.IsCompletedSuccessfully)
                            {
                                // The continuation may run on another thread: wake now, collect again after.
                                WakeAll(wakeLater);
                                t_wakeLater = null;
                                await pending;
                                t_wakeLater = wakeLater;
                            }
                        }
                        else
                        {
                            _server.HandleBadFrame(this, error, status == FrameReadStatus.Fatal);
                        }
                    }
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return;
                    }
                }
                finally
                {
                    t_wakeLater = null;
                    WakeAll(wakeLater);
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private readonly List<TcpConnection> _wakeList = [];

    private static void WakeAll(List<TcpConnection> connections)
    {
        foreach (var connection in connections)
        {
            Volatile.Write(ref connection._wakePending, 0);
            connection._signal.Set();
        }
        connections.Clear();
    }

    private void Wake()
    {
        if (t_wakeLater is { } later)
        {
            if (Interlocked.Exchange(ref _wakePending, 1) == 0)
            {
                later.Add(this);
            }
            return;
        }
        _signal.Set();
    }

    private async Task WriteLoopAsync()
    {
        var writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        try
        {
            while (true)
            {
                await _signal.WaitAsync();
                if (IsClosed)
                {
                    return;
                }
                var wrote = false;
                while (_queue.TryDequeue(out var frame))
                {
                    if (frame.Length >= DirectWriteBytes)
                    {
                        // Large frames go straight from their pooled buffer to the stream: one copy fewer.
                        if (writer.UnflushedBytes > 0)
                        {
                            await writer.FlushAsync(_aborted.Token);
                        }
                        try
                        {
                            await _stream.WriteAsync(frame.Buffer.AsMemory(0, frame.Length), _aborted.Token);
                        }
                        finally
                        {
                            FrameBuffers.Return(frame.Buffer);
                        }
                        continue;
                    }
                    writer.Write(frame.Buffer.AsSpan(0, frame.Length));
                    FrameBuffers.Return(frame.Buffer);
                    wrote = true;
                    // Flush in bounded batches so a busy queue does not pile up in the pipe.
                    if (writer.UnflushedBytes >= 256 * 1024)
                    {
                        await writer.FlushAsync(_aborted.Token);
                    }
                }
                if (wrote)
                {
                    await writer.FlushAsync(_aborted.Token);
                }
                if (_flushThenClose && _queue.Count == 0)
                {
                    _socket.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The peer went away or we aborted.
        }
        finally
        {
            await writer.CompleteAsync();
            Abort();
        }
    }

    /// <summary>Queues one frame whose data is <paramref name="prefix"/> followed by <paramref name="data"/>.</summary>
    public EnqueueResult Send(FrameType type, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> prefix, in ReadOnlySequence<byte> data)
    {
        var dataLength = prefix.Length + (int)data.Length;
        var size = FrameFormat.WireSize(userId.Length, dataLength);
        var buffer = FrameBuffers.Rent(size);
        var span = buffer.AsSpan();
        FrameWriter.WriteHeader(span, type, userId.Length, dataLength);
        userId.CopyTo(span[FrameFormat.HeaderBytes..]);
        var at = FrameFormat.HeaderBytes + userId.Length;
        prefix.CopyTo(span[at..]);
        data.CopyTo(span[(at + prefix.Length)..]);
        return Offer(new OutgoingFrame(buffer, size, FrameTypes.IsDroppable(type)));
    }

    /// <summary>Queues one frame whose data is <paramref name="prefix"/> followed by <paramref name="data"/>.</summary>
    public EnqueueResult Send(FrameType type, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> data)
    {
        var dataLength = prefix.Length + data.Length;
        var size = FrameFormat.WireSize(userId.Length, dataLength);
        var buffer = FrameBuffers.Rent(size);
        var span = buffer.AsSpan();
        FrameWriter.WriteHeader(span, type, userId.Length, dataLength);
        userId.CopyTo(span[FrameFormat.HeaderBytes..]);
        var at = FrameFormat.HeaderBytes + userId.Length;
        prefix.CopyTo(span[at..]);
        data.CopyTo(span[(at + prefix.Length)..]);
        return Offer(new OutgoingFrame(buffer, size, FrameTypes.IsDroppable(type)));
    }

    public EnqueueResult Send(FrameType type, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> data)
    {
        var size = FrameFormat.WireSize(userId.Length, data.Length);
        var buffer = FrameBuffers.Rent(size);
        FrameWriter.Encode(buffer, type, userId, data);
        return Offer(new OutgoingFrame(buffer, size, FrameTypes.IsDroppable(type)));
    }

    private EnqueueResult Offer(OutgoingFrame frame)
    {
        var result = _queue.Enqueue(frame, out var dropped);
        switch (result)
        {
            case EnqueueResult.Queued:
                Wake();
                break;
            case EnqueueResult.QueuedAfterDroppingMedia:
                _server.CountDroppedMedia(dropped);
                Wake();
                break;
            case EnqueueResult.DroppedMedia:
                FrameBuffers.Return(frame.Buffer);
                _server.CountDroppedMedia(dropped + 1);
                break;
            case EnqueueResult.Overflow:
                FrameBuffers.Return(frame.Buffer);
                _server.CountDroppedMedia(dropped);
                _server.OnSlowReceiver(this);
                Abort();
                break;
            default:
                FrameBuffers.Return(frame.Buffer);
                break;
        }
        return result;
    }

    /// <summary>Stops reading, lets the write loop send what is queued (an ERROR), then closes.</summary>
    public void CloseAfterFlush()
    {
        if (_flushThenClose)
        {
            return;
        }
        Interlocked.CompareExchange(ref _closingSince, Environment.TickCount64, 0);
        _flushThenClose = true;
        _signal.Set();
        // Wake the read loop: it is parked in a read that may never complete.
        try
        {
            _socket.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Abort();
        }
    }

    /// <summary>Closes now, dropping whatever is queued. Idempotent; the first call tells the server.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        // Abort often runs on another connection's read loop (a slow receiver found by its sender): nothing here may
        // throw into that loop. Cancellation callbacks of this connection's pending I/O run inline, so they are caught.
        _queue.Close();
        _socket.Dispose();
        try
        {
            _stream.Dispose();
            _aborted.Cancel();
        }
        catch (Exception e) when (e is AggregateException or IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // The connection is gone either way.
        }
        _signal.Set();
        _server.OnClosed(this);
    }

    public void Dispose() => Abort();
}
