using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace WeCompany.Server.Signaling;

/// <summary>Close codes the server uses (RFC 6455 §7.4.2: 4000–4999 are for applications).</summary>
public static class SignalingCloseCodes
{
    public const int IdleTimeout = 4000;
    public const int Replaced = 4001;
    public const int Kicked = 4002;
    public const int MeetingEnded = 4003;
    public const int SlowConsumer = 4004;
    public const int Left = 1000;
    public const int ServerShutdown = 1001;
}

/// <summary>
/// One accepted signaling socket. Concurrency: any thread may <see cref="TryEnqueue"/> and
/// <see cref="Close"/>; exactly one writer task (<see cref="RunWriterAsync"/>) owns the socket's sends and
/// one reader (the hub's receive loop) owns its receives. The send queue is bounded: a consumer that lets
/// it fill is closed with 4004 instead of slowing the senders. Closing happens once (Interlocked guard).
/// </summary>
internal sealed class SignalingConnection : IDisposable
{
    private readonly Channel<OutboundFrame> _queue;
    private readonly CancellationTokenSource _abort = new();
    private readonly TimeSpan _closeTimeout;
    private int _closing;
    private volatile bool _discardPending;
    private int _closeCode;
    private string _closeReason = "";
    private long _lastReceived = Environment.TickCount64;

    public SignalingConnection(WebSocket socket, string connectionId, SignalingOptions options)
    {
        Socket = socket;
        ConnectionId = connectionId;
        _closeTimeout = TimeSpan.FromSeconds(options.CloseTimeoutSeconds);
        Bucket = new TokenBucket(options.MessagesPerSecond, options.MessageBurst);
        _queue = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(options.SendQueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public WebSocket Socket { get; }

    public string ConnectionId { get; }

    public TokenBucket Bucket { get; }

    /// <summary>
    /// True for a resuming socket until its join-room: room traffic is held back (chat is replayed from the
    /// store at join-room, in order) while direct replies such as pong and errors still go out.
    /// </summary>
    public bool Held { get; set; }

    /// <summary>The newest chat seq the client says it saw (query last_seq), for a resume.</summary>
    public long? LastSeenSeq { get; init; }

    /// <summary>The participant this socket speaks for; set once the connection is admitted to its room.</summary>
    public SignalingSession? Session { get; set; }

    /// <summary>Cancelled when the connection must stop (close timed out, or the server is stopping).</summary>
    public CancellationToken Aborted => _abort.Token;

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    public int CloseCode => _closeCode;

    public string CloseReason => _closeReason;

    /// <summary>Milliseconds (Environment.TickCount64) of the last message received.</summary>
    public long LastReceived => Interlocked.Read(ref _lastReceived);

    public void MarkReceived() => Interlocked.Exchange(ref _lastReceived, Environment.TickCount64);

    /// <summary>Queues a frame; false when the connection is closing or its queue overflowed (it is then closed as a slow consumer).</summary>
    public bool TryEnqueue(OutboundFrame frame)
    {
        if (IsClosing)
        {
            return false;
        }
        if (_queue.Writer.TryWrite(frame))
        {
            return true;
        }
        SlowConsumerDetected = true;
        Overflowed?.Invoke(this);
        Close(SignalingCloseCodes.SlowConsumer, "slow consumer: the send queue overflowed", discardPending: true);
        return false;
    }

    /// <summary>Called once, on the enqueuing thread, when the queue overflows.</summary>
    public Action<SignalingConnection>? Overflowed { get; init; }

    /// <summary>True once the queue overflowed.</summary>
    public bool SlowConsumerDetected { get; private set; }

    /// <summary>
    /// Sends the close frame after what is queued (or instead of it when <paramref name="discardPending"/>);
    /// the socket is aborted if the close handshake does not finish in time. Only the first call counts.
    /// </summary>
    public void Close(int code, string reason, bool discardPending = false)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }
        _closeCode = code;
        _closeReason = reason;
        _discardPending = discardPending;
        _queue.Writer.TryComplete();
        _abort.CancelAfter(_closeTimeout);
    }

    /// <summary>Stops everything now, without a close handshake.</summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _closing, 1);
        _queue.Writer.TryComplete();
        _abort.Cancel();
    }

    /// <summary>The single writer: sends queued frames in order, then the close frame.</summary>
    public async Task RunWriterAsync()
    {
        var token = _abort.Token;
        try
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(token))
            {
                while (reader.TryRead(out var frame))
                {
                    if (_discardPending)
                    {
                        continue;
                    }
                    await Socket.SendAsync(frame.Utf8, WebSocketMessageType.Text, endOfMessage: true, token);
                    if (frame.ChatSeq > 0)
                    {
                        Session?.MarkDelivered(frame.ChatSeq);
                    }
                }
            }
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await Socket.CloseOutputAsync((WebSocketCloseStatus)_closeCode, _closeReason, token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The peer went away or the close timed out: nothing more can be sent.
            Socket.Abort();
        }
    }

    /// <summary>Receives one whole text message into a pooled buffer; null at close. Oversized messages are drained and reported as such.</summary>
    public async ValueTask<ReceivedMessage?> ReceiveAsync(int maxBytes)
    {
        // Small first: an idle socket waits holding 4 KiB, not the 64 KiB limit; larger messages grow it.
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, 4096));
        var length = 0;
        var oversized = false;
        var binary = false;
        try
        {
            while (true)
            {
                if (length == buffer.Length && !oversized)
                {
                    if (buffer.Length > maxBytes)
                    {
                        oversized = true;
                    }
                    else
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 4, maxBytes + 1));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }
                // Past the limit the rest of the message is read into the buffer's start and dropped.
                var target = oversized ? buffer.AsMemory() : buffer.AsMemory(length);
                var result = await Socket.ReceiveAsync(target, _abort.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }
                binary |= result.MessageType == WebSocketMessageType.Binary;
                if (!oversized)
                {
                    length += result.Count;
                    oversized = length > maxBytes;
                }
                if (result.EndOfMessage)
                {
                    MarkReceived();
                    return new ReceivedMessage(buffer, oversized ? 0 : length, oversized, binary);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose() => _abort.Dispose();
}

/// <summary>A received message in a pooled buffer: return it with <see cref="Dispose"/>.</summary>
internal readonly struct ReceivedMessage(byte[] buffer, int length, bool oversized, bool binary) : IDisposable
{
    public ReadOnlyMemory<byte> Utf8 => buffer.AsMemory(0, length);

    public bool Oversized => oversized;

    public bool Binary => binary;

    public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
}
