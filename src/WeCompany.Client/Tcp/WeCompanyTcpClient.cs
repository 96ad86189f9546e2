using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Client.Tcp;

/// <summary>
/// A client of the WeCompany TCP protocol: connect, register with an access token, send text and files, place,
/// answer and end 1:1 calls and stream media. What arrives is raised as events on the client's read loop (keep
/// handlers short). Sends may be called from any thread; they are serialized.
/// </summary>
public sealed class WeCompanyTcpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeWriter _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly WeCompanyTcpClientOptions _options;
    private readonly Task _reading;
    private TaskCompletionSource<RegisterResult>? _registering;
    private TaskCompletionSource<CallSignal>? _placing;

    private WeCompanyTcpClient(Socket socket, Stream stream, WeCompanyTcpClientOptions options)
    {
        _socket = socket;
        _stream = stream;
        _options = options;
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        _reading = Task.Run(ReadLoopAsync);
    }

    /// <summary>Any frame that arrived (before the typed events).</summary>
    public event Action<FrameType, string>? FrameReceived;

    /// <summary>A TEXT frame.</summary>
    public event Action<TextMessage>? TextReceived;

    /// <summary>A FILE frame.</summary>
    public event Action<FileMessage>? FileReceived;

    /// <summary>CALL_REQUEST / CALL_ACCEPT / CALL_REJECT / CALL_END.</summary>
    public event Action<CallSignal>? CallSignalReceived;

    /// <summary>MEDIA_DATA of an accepted call.</summary>
    public event MediaHandler? MediaReceived;

    /// <summary>An ERROR frame.</summary>
    public event Action<TcpErrorBody>? ErrorReceived;

    /// <summary>A HEARTBEAT answer.</summary>
    public event Action? HeartbeatReceived;

    /// <summary>The connection closed (by either side).</summary>
    public event Action? Disconnected;

    /// <summary>Completes when the connection has closed.</summary>
    public Task Completion => _reading;

    /// <summary>The registered user, once <see cref="RegisterAsync"/> succeeded.</summary>
    public long UserId { get; private set; }

    /// <summary>Opens a connection (TLS when the options say so).</summary>
    public static async Task<WeCompanyTcpClient> ConnectAsync(string host, int port, WeCompanyTcpClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WeCompanyTcpClientOptions();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (options.UseTls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = options.TlsTargetHost ?? host,
                    // CA5359: accepting any certificate is an explicit opt-in for self-signed test servers.
#pragma warning disable CA5359
                    RemoteCertificateValidationCallback = options.AllowUntrustedCertificate ? (_, _, _, _) => true : null,
#pragma warning restore CA5359
                }, cancellationToken);
                stream = ssl;
            }
            return new WeCompanyTcpClient(socket, stream, options);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>REGISTER: binds this connection to <paramref name="userId"/>; throws <see cref="TcpProtocolException"/> when refused.</summary>
    public async Task<RegisterResult> RegisterAsync(long userId, string accessToken, CancellationToken cancellationToken = default)
    {
        var pending = new TaskCompletionSource<RegisterResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _registering = pending;
        await SendFrameAsync(FrameType.Register, userId, Encoding.UTF8.GetBytes(accessToken), cancellationToken);
        var result = await pending.Task.WaitAsync(cancellationToken);
        UserId = result.UserId;
        return result;
    }

    /// <summary>TEXT to one user.</summary>
    public Task SendTextAsync(long to, string text, CancellationToken cancellationToken = default) =>
        SendFrameAsync(FrameType.Text, to, Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>FILE to one user (within the server's frame limit).</summary>
    public Task SendFileAsync(long to, string name, ReadOnlySpan<byte> content, CancellationToken cancellationToken = default) =>
        SendFrameAsync(FrameType.File, to, FilePayload.Build(name, content), cancellationToken);

    /// <summary>HEARTBEAT; the server answers it.</summary>
    public Task SendHeartbeatAsync(CancellationToken cancellationToken = default) =>
        SendRawAsync(FrameType.Heartbeat, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>
    /// CALL_REQUEST: rings <paramref name="callee"/> and answers the server's first reply — CALL_REQUEST with state
    /// "ringing" and the call id, or CALL_REJECT with the reason (busy, offline).
    /// </summary>
    public async Task<CallSignal> PlaceCallAsync(long callee, bool video, CancellationToken cancellationToken = default)
    {
        var pending = new TaskCompletionSource<CallSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        _placing = pending;
        await SendFrameAsync(FrameType.CallRequest, callee, TcpJson.Serialize(new CallRequestBody(video)), cancellationToken);
        return await pending.Task.WaitAsync(cancellationToken);
    }

    /// <summary>CALL_ACCEPT of a call ringing here.</summary>
    public Task AcceptCallAsync(long caller, string callId, CancellationToken cancellationToken = default) =>
        SendFrameAsync(FrameType.CallAccept, caller, TcpJson.Serialize(new CallBody(callId)), cancellationToken);

    /// <summary>CALL_REJECT of a call ringing here.</summary>
    public Task RejectCallAsync(long caller, string callId, string reason, CancellationToken cancellationToken = default) =>
        SendFrameAsync(FrameType.CallReject, caller, TcpJson.Serialize(new CallBody(callId, Reason: reason)), cancellationToken);

    /// <summary>CALL_END (hang up, or cancel a call still ringing).</summary>
    public Task EndCallAsync(long peer, string callId, CancellationToken cancellationToken = default) =>
        SendFrameAsync(FrameType.CallEnd, peer, TcpJson.Serialize(new CallBody(callId)), cancellationToken);

    /// <summary>MEDIA_DATA of an accepted call: <c>[u8 callIdLen][callId][media]</c>.</summary>
    public async Task SendMediaAsync(long peer, string callId, ReadOnlyMemory<byte> media, CancellationToken cancellationToken = default)
    {
        var callIdLength = Encoding.ASCII.GetByteCount(callId);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            WriteMediaFrame(peer, callId, callIdLength, media.Span);
            await _writer.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends one frame naming <paramref name="peer"/> in userId.</summary>
    public Task SendFrameAsync(FrameType type, long peer, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendRawAsync(type, FrameText.UserIdBytes(peer), data, cancellationToken);

    /// <summary>Sends one frame as given (tools and tests).</summary>
    public async Task SendRawAsync(FrameType type, ReadOnlyMemory<byte> userId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            FrameWriter.Write(_writer, type, userId.Span, data.Span);
            await _writer.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        _socket.Dispose();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stream.DisposeAsync();
        _writeLock.Dispose();
        _closing.Dispose();
    }

    private void WriteMediaFrame(long peer, string callId, int callIdLength, ReadOnlySpan<byte> media)
    {
        Span<byte> peerBuffer = stackalloc byte[20];
        var peerId = peerBuffer[..FrameText.FormatUserId(peer, peerBuffer)];
        var dataLength = 1 + callIdLength + media.Length;
        var head = _writer.GetSpan(FrameFormat.HeaderBytes + peerId.Length + 1 + callIdLength);
        FrameWriter.WriteHeader(head, FrameType.MediaData, peerId.Length, dataLength);
        peerId.CopyTo(head[FrameFormat.HeaderBytes..]);
        var at = FrameFormat.HeaderBytes + peerId.Length;
        head[at] = (byte)callIdLength;
        Encoding.ASCII.GetBytes(callId, head[(at + 1)..]);
        _writer.Advance(at + 1 + callIdLength);
        _writer.Write(media);
    }

    private async Task ReadLoopAsync()
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_closing.Token);
                var buffer = result.Buffer;
                try
                {
                    while (true)
                    {
                        var status = FrameReader.TryRead(ref buffer, _options.MaxFrameBytes, out var frame, out _);
                        if (status == FrameReadStatus.Incomplete)
                        {
                            break;
                        }
                        if (status == FrameReadStatus.Fatal)
                        {
                            return;
                        }
                        if (status == FrameReadStatus.Complete)
                        {
                            Dispatch(frame);
                        }
                    }
                    if (result.IsCompleted)
                    {
                        return;
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed.
        }
        finally
        {
            await reader.CompleteAsync();
            var closed = new IOException("The connection closed.");
            _registering?.TrySetException(closed);
            _placing?.TrySetException(closed);
            Disconnected?.Invoke();
        }
    }

    private void Dispatch(in Frame frame)
    {
        var from = FrameText.TryParseUserId(frame.UserId, out var id) ? id : 0;
        if (frame.Type == FrameType.MediaData)
        {
            DispatchMedia(from, frame.Data);
            return;
        }
        var data = frame.Data.ToArray();
        FrameReceived?.Invoke(frame.Type, frame.UserIdString());
        switch (frame.Type)
        {
            case FrameType.Register:
                if (TcpJson.TryDeserialize<RegisterResult>(data) is { } registered)
                {
                    _registering?.TrySetResult(registered);
                }
                break;
            case FrameType.Error:
                var error = TcpJson.TryDeserialize<TcpErrorBody>(data) ?? new TcpErrorBody(0, Encoding.UTF8.GetString(data));
                _registering?.TrySetException(new TcpProtocolException(error.Code, error.Message));
                ErrorReceived?.Invoke(error);
                break;
            case FrameType.Heartbeat:
                HeartbeatReceived?.Invoke();
                break;
            case FrameType.Text:
                TextReceived?.Invoke(new TextMessage(from, Encoding.UTF8.GetString(data)));
                break;
            case FrameType.File:
                if (FilePayload.TryParse(data, out var name, out var content, data))
                {
                    FileReceived?.Invoke(new FileMessage(from, name, content.ToArray()));
                }
                break;
            case FrameType.CallRequest:
            case FrameType.CallAccept:
            case FrameType.CallReject:
            case FrameType.CallEnd:
                if (TcpJson.TryDeserialize<CallBody>(data) is { } body)
                {
                    var signal = new CallSignal(frame.Type, from, body.CallId, body.State, body.Video, body.Reason);
                    if (frame.Type == FrameType.CallReject || (frame.Type == FrameType.CallRequest && body.State == CallStates.Ringing))
                    {
                        _placing?.TrySetResult(signal);
                    }
                    CallSignalReceived?.Invoke(signal);
                }
                break;
        }
    }

    private void DispatchMedia(long from, in ReadOnlySequence<byte> data)
    {
        if (MediaReceived is not { } handler || !MediaPayload.TrySplit(data, out var callId, out var media))
        {
            return;
        }
        Span<byte> callIdCopy = stackalloc byte[FrameFormat.MaxCallIdBytes];
        callId.CopyTo(callIdCopy);
        if (media.IsSingleSegment)
        {
            handler(from, callIdCopy[..(int)callId.Length], media.FirstSpan);
            return;
        }
        var rented = ArrayPool<byte>.Shared.Rent((int)media.Length);
        try
        {
            media.CopyTo(rented);
            handler(from, callIdCopy[..(int)callId.Length], rented.AsSpan(0, (int)media.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
