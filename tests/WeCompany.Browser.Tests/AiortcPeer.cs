using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace WeCompany.Browser.Tests;

/// <summary>
/// Debian's aiortc (aiortc/peer.py, a second WebRTC stack) as a meeting participant. The script speaks SDP as JSON
/// lines on stdin/stdout; this class is its signaling client: it holds the participant's real signaling socket
/// (after the REST join) and carries offers and answers between the socket and the script.
/// </summary>
internal sealed class AiortcPeer : IAsyncDisposable
{
    public const string Python = "/usr/bin/python3";

    private readonly Process _process;
    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource _firstOfferAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _fromScript = Task.CompletedTask;
    private Task _fromSocket = Task.CompletedTask;
    private int _messageNumber;

    private AiortcPeer(Process process) => _process = process;

    /// <summary>Video frames the script decoded from what the SFU forwarded, and their width.</summary>
    public long FramesReceived { get; private set; }

    public int FrameWidth { get; private set; }

    public string ConnectionState { get; private set; } = "new";

    /// <summary>The script's stderr and the signaling it saw, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static AiortcPeer Start()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "aiortc", "peer.py");
        Assert.True(File.Exists(Python), "This test needs Debian's python3-aiortc: apt-get install -y python3-aiortc");
        var start = new ProcessStartInfo(Python, [script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        var peer = new AiortcPeer(process);
        process.ErrorDataReceived += (_, e) => peer.Append("stderr: " + e.Data);
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Opens the signaling socket the REST join named and joins the room (message type 4).</summary>
    public async Task ConnectAsync(Uri websocketUrl, string sessionToken, long meetingId, long userId, string peerId)
    {
        var query = $"?token={Uri.EscapeDataString(sessionToken)}&meeting_id={meetingId}&user_id={userId}&peer_id={Uri.EscapeDataString(peerId)}";
        await _socket.ConnectAsync(new Uri(websocketUrl + query), _stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        _fromScript = Task.Run(PumpScriptAsync);
        _fromSocket = Task.Run(PumpSocketAsync);
        await SendToServerAsync(4, new Dictionary<string, object> { ["meeting_id"] = meetingId, ["user_id"] = userId, ["peer_id"] = peerId });
    }

    /// <summary>Completes once the script has answered the SFU's first offer (the tracks already in the room).</summary>
    public Task FirstOfferAnswered => _firstOfferAnswered.Task;

    /// <summary>Adds the script's generated video track and offers it to the SFU.</summary>
    public Task PublishAsync() => ToScriptAsync(new Dictionary<string, object> { ["cmd"] = "publish" });

    private async Task PumpScriptAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync(_stop.Token) is { } line)
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.TryGetProperty("event", out var kind))
            {
                if (kind.GetString() == "frames")
                {
                    FramesReceived = root.GetProperty("count").GetInt64();
                    FrameWidth = root.GetProperty("width").GetInt32();
                }
                else
                {
                    ConnectionState = root.GetProperty("state").GetString()!;
                    Append("state: " + ConnectionState);
                }

                continue;
            }

            var type = root.GetProperty("type").GetInt32();
            var sdp = root.GetProperty("sdp").GetString()!;
            Append($"to server: type {type}\n{sdp}");
            await SendToServerAsync(type, new Dictionary<string, object> { ["type"] = type == 1 ? "offer" : "answer", ["sdp"] = sdp });
            if (type == 2)
            {
                _firstOfferAnswered.TrySetResult();
            }
        }
    }

    private async Task PumpSocketAsync()
    {
        var buffer = new byte[256 * 1024];
        while (!_stop.IsCancellationRequested)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer.AsMemory(length), _stop.Token);
                length += result.Count;
            }
            while (!result.EndOfMessage && length < buffer.Length);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            var root = document.RootElement;
            var type = root.GetProperty("type").GetInt32();
            var fromServer = root.TryGetProperty("from_user_id", out var from) && from.ValueKind == JsonValueKind.Number && from.GetInt64() == 0;
            if (type is 1 or 2 && fromServer)
            {
                var sdp = root.GetProperty("payload").GetProperty("sdp").GetString()!;
                Append($"from server: type {type}\n{sdp}");
                await ToScriptAsync(new Dictionary<string, object> { ["type"] = type, ["sdp"] = sdp });
            }
            else if (type == 13)
            {
                Append("error: " + root.GetProperty("payload").GetRawText());
            }
        }
    }

    private async Task SendToServerAsync(int type, Dictionary<string, object> payload)
    {
        var message = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["id"] = "a" + Interlocked.Increment(ref _messageNumber),
            ["type"] = type,
            ["payload"] = payload,
        });
        await _socket.SendAsync(message.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, _stop.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private async Task ToScriptAsync(Dictionary<string, object> message)
    {
        await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(message).AsMemory(), _stop.Token);
        await _process.StandardInput.FlushAsync(_stop.Token);
    }

    private void Append(string? text)
    {
        lock (_log)
        {
            _log.AppendLine(text);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ToScriptAsync(new Dictionary<string, object> { ["cmd"] = "quit" });
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception exception) when (exception is IOException or TimeoutException or InvalidOperationException)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _stop.CancelAsync();
        await Task.WhenAll(_fromScript, _fromSocket).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _process.Dispose();
        _stop.Dispose();
    }
}
