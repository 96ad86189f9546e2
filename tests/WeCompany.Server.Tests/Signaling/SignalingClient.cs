using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace WeCompany.Server.Tests.Signaling;

/// <summary>A test's signaling socket: send JSON text, receive parsed messages, every wait bounded.</summary>
public sealed class SignalingClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[1 << 20];

    private SignalingClient()
    {
    }

    public ClientWebSocket Socket => _socket;

    public static async Task<SignalingClient> ConnectAsync(Uri uri, string? origin = null)
    {
        var client = new SignalingClient();
        client._socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            client._socket.Options.SetRequestHeader("Origin", origin);
        }
        await client._socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout);
        return client;
    }

    /// <summary>Connects expecting a refusal; answers the HTTP status the server gave instead of upgrading.</summary>
    public static async Task<int> RefusedStatusAsync(Uri uri, string? origin = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout));
        return (int)socket.HttpStatusCode;
    }

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(Timeout);

    public Task SendAsync(object message) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(Timeout);

    /// <summary>The next message; null when the server closed the socket.</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        var length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(length), CancellationToken.None).AsTask().WaitAsync(timeout ?? Timeout);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            length += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(_buffer.AsMemory(0, length)).RootElement.Clone();
            }
        }
    }

    /// <summary>Reads until a message of <paramref name="type"/> (matching <paramref name="match"/>) arrives; others are skipped.</summary>
    public async Task<JsonElement> WaitForAsync(int type, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            var message = await ReceiveAsync(timeout ?? Timeout).WaitAsync(deadline.Token)
                ?? throw new InvalidOperationException($"The socket closed ({_socket.CloseStatus} {_socket.CloseStatusDescription}) before a message of type {type}.");
            if (message.GetProperty("type").GetInt32() == type && (match is null || match(message)))
            {
                return message;
            }
        }
    }

    /// <summary>Reads until the server closes; answers the close code and reason.</summary>
    public async Task<(int Code, string? Reason)> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Timeout);
        while (await ReceiveAsync(timeout ?? Timeout).WaitAsync(deadline.Token) is not null)
        {
        }
        return ((int)(_socket.CloseStatus ?? 0), _socket.CloseStatusDescription);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(Timeout);
            }
            catch (Exception e) when (e is WebSocketException or TimeoutException)
            {
                // The server may already have gone.
            }
        }
        _socket.Dispose();
    }
}
