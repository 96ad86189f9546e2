using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Server.Tests.Calls;

/// <summary>A frame as a test sees it.</summary>
public sealed record ReceivedFrame(FrameType Type, string UserId, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);

    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    public int ErrorCode => Json.GetProperty("code").GetInt32();
}

/// <summary>
/// A socket that speaks raw frames: tests write exactly the bytes they mean (including wrong ones) and read what
/// the server sends back, frame by frame, with timeouts.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RawTcpClient : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly Channel<ReceivedFrame> _frames = Channel.CreateUnbounded<ReceivedFrame>();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _reading;

    private RawTcpClient(Socket socket)
    {
        _socket = socket;
    }

    public Socket Socket => _socket;

    public static async Task<RawTcpClient> ConnectAsync(int port, int? receiveBuffer = null, bool read = true)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
        {
            socket.ReceiveBufferSize = size;
        }
        await socket.ConnectAsync("127.0.0.1", port).WaitAsync(Wait);
        var client = new RawTcpClient(socket);
        if (read)
        {
            client.StartReading();
        }
        return client;
    }

    public void StartReading() => _reading ??= Task.Run(ReadLoopAsync);

    public Task Closed => _closed.Task;

    public async Task RegisterAsync(TestUser user)
    {
        await SendAsync(FrameType.Register, user.Id.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes(user.Token));
        var answer = await NextAsync();
        Assert.True(answer.Type == FrameType.Register, $"REGISTER refused: {answer.Text}");
    }

    public Task SendAsync(FrameType type, string userId, byte[] data)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, type, Encoding.UTF8.GetBytes(userId), data);
        return SendRawAsync(writer.WrittenSpan.ToArray());
    }

    public async Task SendRawAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None).WaitAsync(Wait);

    public async Task<ReceivedFrame> NextAsync() => await _frames.Reader.ReadAsync().AsTask().WaitAsync(Wait);

    /// <summary>The next frame of <paramref name="type"/>, skipping HEARTBEAT answers and others.</summary>
    public async Task<ReceivedFrame> ExpectAsync(FrameType type)
    {
        while (true)
        {
            var frame = await NextAsync();
            if (frame.Type == type)
            {
                return frame;
            }
        }
    }

    /// <summary>The next ERROR's code, then proof the server closed the connection.</summary>
    public async Task<int> ExpectErrorThenCloseAsync()
    {
        var error = await ExpectAsync(FrameType.Error);
        await _closed.Task.WaitAsync(Wait);
        return error.ErrorCode;
    }

    public bool HasPendingFrames => _frames.Reader.Count > 0;

    private async Task ReadLoopAsync()
    {
        var reader = PipeReader.Create(new NetworkStream(_socket, ownsSocket: false));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                while (FrameReader.TryRead(ref buffer, 64 * 1024 * 1024, out var frame, out _) is FrameReadStatus.Complete or FrameReadStatus.Skipped)
                {
                    await _frames.Writer.WriteAsync(new ReceivedFrame(frame.Type, Encoding.UTF8.GetString(frame.UserId), frame.Data.ToArray()));
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Closed by either side.
        }
        _closed.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (_reading is not null)
        {
            await _reading.WaitAsync(Wait);
        }
    }
}
