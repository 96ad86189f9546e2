using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using WeCompany.Bench.Tcp;
using WeCompany.Protocol.Tcp;

if (args.Length > 0 && args[0] == "serve" && OperatingSystem.IsLinux())
{
    return await ServeMode.RunAsync();
}

var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var idleConnections = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
await using var server = await Child.StartAsync();
var inv = CultureInfo.InvariantCulture;
Console.WriteLine($"WeCompany TCP bench: {Environment.ProcessorCount} CPUs, {seconds} s per figure, loopback");

// The machine is shared and runs vary up to 2x: alternate baseline and relay, three rounds, report medians.
var tokens = await server.TokensAsync(1, 2);
var rounds = new List<(Rate Baseline, Rate Media64, Rate Media1)>();
for (var round = 1; round <= 3; round++)
{
    // 1. Baseline: a relay that only copies bytes between two sockets.
    var baseline = await Measure.StreamAsync(server.RelayPort, null, null, 64 * 1024, seconds);
    // 2. MEDIA_DATA relay, 64 KiB media frames, through a real accepted call.
    var media64 = await Measure.MediaAsync(server, tokens, 64 * 1024, seconds);
    // 3. MEDIA_DATA relay, 1 KiB frames: frames per second.
    var media1 = await Measure.MediaAsync(server, tokens, 1024, seconds);
    rounds.Add((baseline, media64, media1));
    Console.WriteLine(string.Create(inv, $"round {round}: baseline {baseline.BytesPerSecond / 1e6:F1} MB/s, MEDIA_DATA 64 KiB {media64.BytesPerSecond / 1e6:F1} MB/s ({media64.BytesPerSecond / baseline.BytesPerSecond:P0}), 1 KiB {media1.FramesPerSecond:F0} frames/s"));
}
double Median(Func<(Rate Baseline, Rate Media64, Rate Media1), double> pick) => rounds.Select(pick).Order().ElementAt(rounds.Count / 2);
Console.WriteLine(string.Create(inv, $"median baseline relay, 64 KiB writes:   {Median(r => r.Baseline.BytesPerSecond) / 1e6,8:F1} MB/s"));
Console.WriteLine(string.Create(inv, $"median MEDIA_DATA relay, 64 KiB frames: {Median(r => r.Media64.BytesPerSecond) / 1e6,8:F1} MB/s  (median of per-round ratios: {Median(r => r.Media64.BytesPerSecond / r.Baseline.BytesPerSecond):P0} of baseline)"));
Console.WriteLine(string.Create(inv, $"median MEDIA_DATA relay, 1 KiB frames:  {Median(r => r.Media1.FramesPerSecond),8:F0} frames/s"));
var dropped = (await server.StatsAsync()).Dropped;
Console.WriteLine(string.Create(inv, $"media frames dropped by the server (unpaced senders outrun receivers): {dropped}"));

// 4. Memory per idle registered connection.
var before = await server.StatsAsync();
var idleTokens = await server.TokensAsync(1000, idleConnections);
var clock = Stopwatch.StartNew();
var sockets = await Measure.RegisterManyAsync(server.TcpPort, 1000, idleTokens);
var registerSeconds = clock.Elapsed.TotalSeconds;
var after = await server.StatsAsync();
Console.WriteLine(string.Create(inv, $"{after.Online - before.Online} idle registered connections (registered in {registerSeconds:F1} s):"));
Console.WriteLine(string.Create(inv, $"  server RSS per connection:     {(after.Rss - before.Rss) / (double)idleConnections / 1024,8:F1} KiB"));
Console.WriteLine(string.Create(inv, $"  server GC heap per connection: {(after.Managed - before.Managed) / (double)idleConnections / 1024,8:F1} KiB"));
foreach (var socket in sockets)
{
    socket.Dispose();
}
return 0;

internal readonly record struct Rate(double BytesPerSecond, double FramesPerSecond);

internal readonly record struct ServerStats(long Rss, long Managed, int Connections, int Online, long Dropped);

/// <summary>The server process, driven over its stdin/stdout.</summary>
internal sealed class Child : IAsyncDisposable
{
    private readonly Process _process;

    private Child(Process process, int tcpPort, int relayPort)
    {
        _process = process;
        TcpPort = tcpPort;
        RelayPort = relayPort;
    }

    public int TcpPort { get; }

    public int RelayPort { get; }

    public static async Task<Child> StartAsync()
    {
        // Started through `dotnet x.dll` the process path is the host: pass the assembly to it.
        var host = Environment.ProcessPath!;
        var arguments = Path.GetFileNameWithoutExtension(host) == "dotnet" ? $"\"{typeof(Child).Assembly.Location}\" serve" : "serve";
        var start = new ProcessStartInfo(host, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        var ready = (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120)))!.Split(' ');
        if (ready[0] != "READY")
        {
            throw new InvalidOperationException("The server did not start: " + string.Join(' ', ready));
        }
        return new Child(process, int.Parse(ready[1], CultureInfo.InvariantCulture), int.Parse(ready[2], CultureInfo.InvariantCulture));
    }

    public async Task<string> CommandAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return (await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120)))!;
    }

    public async Task<string[]> TokensAsync(long firstUser, int count)
    {
        var path = Path.GetTempFileName();
        await CommandAsync($"tokens {firstUser} {count} {path}");
        var tokens = await File.ReadAllLinesAsync(path);
        File.Delete(path);
        return tokens;
    }

    public async Task<ServerStats> StatsAsync()
    {
        var parts = (await CommandAsync("stats")).Split(' ');
        return new ServerStats(long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture),
            int.Parse(parts[3], CultureInfo.InvariantCulture), int.Parse(parts[4], CultureInfo.InvariantCulture), long.Parse(parts[5], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StandardInput.WriteLineAsync("quit");
        await _process.StandardInput.FlushAsync();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
    }
}

internal static class Measure
{
    /// <summary>Writes <paramref name="chunk"/>-sized writes (frames when <paramref name="frame"/> is given) from one socket and counts what the other receives.</summary>
    public static async Task<Rate> StreamAsync(int port, Socket? sender, Socket? receiver, int chunk, double seconds, byte[]? frame = null, int frameSize = 0)
    {
        sender ??= await ConnectAsync(port);
        receiver ??= await ConnectAsync(port);
        var payload = frame ?? new byte[chunk];
        using var stop = new CancellationTokenSource();
        var received = 0L;
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[256 * 1024];
            try
            {
                while (true)
                {
                    var n = await receiver.ReceiveAsync(buffer, SocketFlags.None, stop.Token);
                    if (n == 0)
                    {
                        return;
                    }
                    Interlocked.Add(ref received, n);
                }
            }
            catch (OperationCanceledException)
            {
                // Measured long enough.
            }
        });
        var writing = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await sender.SendAsync(payload, SocketFlags.None, stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // Measured long enough.
            }
        });
        // Warm up, then measure what arrives in the window.
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(1, seconds / 5)));
        var startBytes = Interlocked.Read(ref received);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var bytes = Interlocked.Read(ref received) - startBytes;
        var elapsed = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        sender.Dispose();
        receiver.Dispose();
        await Task.WhenAll(reading, writing).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var frames = frameSize > 0 ? bytes / (double)frameSize : 0;
        return new Rate(bytes / elapsed, frames / elapsed);
    }

    /// <summary>User 1 sends MEDIA_DATA of <paramref name="mediaSize"/> bytes to user 2 in an accepted call; counts media bytes and frames at user 2.</summary>
    public static async Task<Rate> MediaAsync(Child server, string[] tokens, int mediaSize, double seconds)
    {
        var a = await ConnectAsync(server.TcpPort);
        var b = await ConnectAsync(server.TcpPort);
        await RegisterAsync(a, 1, tokens[0]);
        await RegisterAsync(b, 2, tokens[1]);
        var answer = await server.CommandAsync("call 1 2");
        var callId = Encoding.ASCII.GetBytes(answer.Split(' ')[1]);
        // Drain the call signaling (ringing/accepted) so only media is counted.
        await DrainAsync(a, 2);
        await DrainAsync(b, 2);

        var one = new ArrayBufferWriter<byte>();
        FrameWriter.Write(one, FrameType.MediaData, "2"u8, MediaPayload.Build(callId, new byte[mediaSize]));
        var frameBytes = one.WrittenSpan.ToArray();
        // Small frames go out in batches of 64 per write, as a real sender's socket coalesces them.
        var batch = mediaSize < 16 * 1024 ? Enumerable.Repeat(frameBytes, 64).SelectMany(x => x).ToArray() : frameBytes;
        var relayedFrameSize = frameBytes.Length; // The relayed frame names the sender ("1"), the same length as "2".
        var rate = await StreamAsync(0, a, b, batch.Length, seconds, batch, relayedFrameSize);
        await server.CommandAsync("end " + Encoding.ASCII.GetString(callId));
        return new Rate(rate.FramesPerSecond * mediaSize, rate.FramesPerSecond);
    }

    public static async Task<List<Socket>> RegisterManyAsync(int port, long firstUser, string[] tokens)
    {
        var sockets = new List<Socket>(tokens.Length);
        for (var start = 0; start < tokens.Length; start += 500)
        {
            var batch = Enumerable.Range(start, Math.Min(500, tokens.Length - start)).Select(async i =>
            {
                var socket = await ConnectAsync(port);
                await RegisterAsync(socket, firstUser + i, tokens[i]);
                return socket;
            });
            sockets.AddRange(await Task.WhenAll(batch));
        }
        return sockets;
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port);
        return socket;
    }

    private static async Task RegisterAsync(Socket socket, long userId, string token)
    {
        var frame = new ArrayBufferWriter<byte>();
        FrameWriter.Write(frame, FrameType.Register, Encoding.ASCII.GetBytes(userId.ToString(CultureInfo.InvariantCulture)), Encoding.UTF8.GetBytes(token));
        await socket.SendAsync(frame.WrittenMemory, SocketFlags.None);
        await DrainAsync(socket, 1);
    }

    // Reads whole frames (length-prefixed) until count have arrived.
    private static async Task DrainAsync(Socket socket, int count)
    {
        var header = new byte[4];
        for (var i = 0; i < count; i++)
        {
            await ReadExactlyAsync(socket, header);
            var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
            await ReadExactlyAsync(socket, body);
            if (body[0] == (byte)FrameType.Error)
            {
                throw new InvalidOperationException("The server refused: " + Encoding.UTF8.GetString(body.AsSpan(3)));
            }
        }
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            if (n == 0)
            {
                throw new IOException("The server closed the connection.");
            }
            buffer = buffer[n..];
        }
    }
}
