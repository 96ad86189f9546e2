using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;

namespace WeCompany.Cluster.Tests.Infrastructure;

/// <summary>
/// A participant's signaling socket through nginx (wss, the gateway's certificate). A reader keeps every
/// message received, so a test can wait for one without losing the others; every wait is bounded.
/// </summary>
public sealed class MeetingSocket : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private readonly List<JsonElement> _received = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<(int? Code, string? Reason)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MeetingSocket(ClientWebSocket socket, ClusterUser user, string? node)
    {
        _socket = socket;
        User = user;
        Node = node;
        _ = ReadAsync();
    }

    public ClusterUser User { get; }

    /// <summary>The node that accepted the socket (X-WeCompany-Node of the upgrade answer).</summary>
    public string? Node { get; }

    /// <summary>Completes when the socket is gone: the close status the server sent, or null when the connection dropped.</summary>
    public Task<(int? Code, string? Reason)> Closed => _closed.Task;

    /// <summary>Opens the socket at the join answer's websocket_url with its session token.</summary>
    public static async Task<MeetingSocket> ConnectAsync(ClusterFixture cluster, ClusterUser user, long meetingId, JsonElement join, string peerId)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var expected = cluster.Gateway.Certificate.GetCertHashString();
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == expected;
        var uri = new Uri(string.Create(CultureInfo.InvariantCulture,
            $"{join.GetProperty("websocket_url").GetString()}?token={Uri.EscapeDataString(join.GetProperty("session_token").GetString()!)}&meeting_id={meetingId}&user_id={user.Id}&peer_id={peerId}"));
        try
        {
            await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var node = socket.HttpResponseHeaders is { } headers && headers.TryGetValue(GatewayClient.NodeHeader, out var values) ? values.FirstOrDefault() : null;
        return new MeetingSocket(socket, user, node);
    }

    public Task SendAsync(object message) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(Timeout);

    /// <summary>join-room; answers the room-info that follows.</summary>
    public async Task<JsonElement> JoinRoomAsync()
    {
        var seen = Count;
        await SendAsync(new { type = 4, payload = new { } });
        return await WaitForAsync(m => m.GetProperty("type").GetInt32() == 14, "room-info", from: seen);
    }

    /// <summary>Sends a chat message and waits for the server's echo to the sender: the message is stored. Answers its seq.</summary>
    public async Task<long> ChatAsync(string content)
    {
        await SendAsync(new { type = 8, payload = new { content } });
        var echo = await WaitForAsync(m => IsChat(m, content) && m.GetProperty("from_user_id").GetInt64() == User.Id, $"the echo of '{content}'");
        return echo.GetProperty("payload").GetProperty("seq").GetInt64();
    }

    public static bool IsChat(JsonElement message, string content) =>
        message.GetProperty("type").GetInt32() == 8 && message.GetProperty("payload").GetProperty("content").GetString() == content;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>The first message (at index <paramref name="from"/> or later) that matches; waits for it to arrive.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, string what, TimeSpan? timeout = null, int from = 0)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                for (var i = from; i < _received.Count; i++)
                {
                    if (match(_received[i]))
                    {
                        return _received[i];
                    }
                }
                from = _received.Count;
                arrived = _arrived.Task;
            }
            if (_closed.Task.IsCompleted)
            {
                throw new InvalidOperationException($"The socket to {Node} closed ({_closed.Task.Result}) before {what}.");
            }
            try
            {
                await Task.WhenAny(arrived, _closed.Task).WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {(timeout ?? Timeout).TotalSeconds:0} s on the socket of user {User.Id} (node {Node}) for {what}.");
            }
        }
    }

    /// <summary>Drops the connection without a close handshake (a client that vanished).</summary>
    public void Abort() => _socket.Abort();

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(((int?)_socket.CloseStatus, _socket.CloseStatusDescription));
                    return;
                }
                var message = JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
                TaskCompletionSource previous;
                lock (_gate)
                {
                    _received.Add(message);
                    previous = _arrived;
                    _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                previous.TrySetResult();
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            _closed.TrySetResult((null, e.Message));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(Timeout);
            }
            catch (Exception e) when (e is WebSocketException or TimeoutException or ObjectDisposedException)
            {
                // The node may be gone already.
            }
        }
        _socket.Dispose();
    }
}
