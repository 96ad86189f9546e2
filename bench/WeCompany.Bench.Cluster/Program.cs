using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WeCompany.Protocol.Tcp;
using WeCompany.Server.Calls;
using WeCompany.Server.Hosting;

// Two nodes of one cluster, in this process, on the PostgreSQL given as args[0]. A sender on node A sends TEXT
// frames one at a time, alternating between a receiver on node A (same node) and one on node B (across the bus);
// each frame carries its send time, and the latency is taken when the receiver reads it.
var inv = CultureInfo.InvariantCulture;
var connectionString = args[0];
var messages = args.Length > 1 ? int.Parse(args[1], inv) : 2000;
var jwtKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
await using var a = await Node.StartAsync("bench-a", connectionString, jwtKey);
await using var b = await Node.StartAsync("bench-b", connectionString, jwtKey);
Console.WriteLine($"WeCompany cluster bench: {Environment.ProcessorCount} CPUs, two nodes in one process, one PostgreSQL, {messages} messages per path");

var sender = await a.UserAsync();
var sameNode = await a.UserAsync();
var otherNode = await b.UserAsync();
await using var senderSocket = await BenchSocket.ConnectAsync(a.TcpPort, sender);
await using var sameSocket = await BenchSocket.ConnectAsync(a.TcpPort, sameNode);
await using var otherSocket = await BenchSocket.ConnectAsync(b.TcpPort, otherNode);
var tcpA = a.App.Services.GetRequiredService<TcpServer>();
var wait = Stopwatch.StartNew();
while (!tcpA.IsReachable(otherNode.Id))
{
    if (wait.Elapsed > TimeSpan.FromSeconds(15))
    {
        throw new TimeoutException("node A never learned about the user on node B");
    }
    await Task.Delay(10);
}

var same = new List<double>(messages);
var cross = new List<double>(messages);
var payload = Enumerable.Repeat((byte)'x', 64).ToArray();
// Warm-up: JIT and pools, on both paths; not counted.
for (var i = 0; i < 200; i++)
{
    await RoundAsync(senderSocket, sameSocket, sameNode.Id, payload);
    await RoundAsync(senderSocket, otherSocket, otherNode.Id, payload);
}
for (var i = 0; i < messages; i++)
{
    same.Add(await RoundAsync(senderSocket, sameSocket, sameNode.Id, payload));
    cross.Add(await RoundAsync(senderSocket, otherSocket, otherNode.Id, payload));
}
Report("same node ", same);
Report("cross node", cross);
return 0;

static async Task<double> RoundAsync(BenchSocket from, BenchSocket to, long toUser, byte[] payload)
{
    // TEXT must be UTF-8: the send time travels as decimal digits, padded to the payload's size.
    var stamp = Stopwatch.GetTimestamp().ToString("D20", CultureInfo.InvariantCulture);
    Encoding.ASCII.GetBytes(stamp, payload);
    await from.SendAsync(FrameType.Text, toUser.ToString(CultureInfo.InvariantCulture), payload);
    var received = await to.NextTextAsync().WaitAsync(TimeSpan.FromSeconds(10));
    return Stopwatch.GetElapsedTime(long.Parse(Encoding.ASCII.GetString(received, 0, 20), CultureInfo.InvariantCulture)).TotalMilliseconds;
}

void Report(string name, List<double> samples)
{
    samples.Sort();
    double At(double q) => samples[Math.Min(samples.Count - 1, (int)(q * samples.Count))];
    Console.WriteLine(string.Create(inv, $"{name}: p50 {At(0.5),7:F3} ms   p99 {At(0.99),7:F3} ms   max {samples[^1],7:F3} ms"));
}

internal sealed record BenchUser(long Id, string Token);

/// <summary>One cluster node: the real server host on loopback with ephemeral ports.</summary>
internal sealed class Node : IAsyncDisposable
{
    private static int s_users;
    private readonly string _dataDir;

    private Node(WebApplication app, string dataDir, Uri http)
    {
        App = app;
        _dataDir = dataDir;
        Http = new HttpClient { BaseAddress = http };
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public int TcpPort => App.Services.GetRequiredService<TcpServer>().Port;

    public static async Task<Node> StartAsync(string nodeId, string connectionString, string jwtKey)
    {
        var dataDir = Directory.CreateTempSubdirectory("wecompany-bench-cluster-").FullName;
        var app = ServerHost.Build(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:DataDir"] = dataDir,
            ["Cluster:NodeId"] = nodeId,
            ["Auth:JwtKey"] = jwtKey,
            ["Auth:PasswordIterations"] = "10000",
            ["Auth:MaxFailuresPerAddress"] = "100000",
            ["Http:Address"] = "127.0.0.1",
            ["Http:Port"] = "0",
            ["Tcp:Address"] = "127.0.0.1",
            ["Tcp:Port"] = "0",
            ["Media:Port"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        }, null);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Node(app, dataDir, new Uri(address + "/"));
    }

    public async Task<BenchUser> UserAsync()
    {
        var name = "bench" + Interlocked.Increment(ref s_users) + "_" + Guid.NewGuid().ToString("N")[..8];
        using var response = await Http.PostAsJsonAsync("api/v1/auth/register", new { username = name, email = name + "@example.com", password = "correct horse battery", full_name = name });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var data = body.GetProperty("data");
        return new BenchUser(data.GetProperty("user_id").GetInt64(), data.GetProperty("token").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}

/// <summary>A registered TCP protocol client that reads TEXT frames' data.</summary>
internal sealed class BenchSocket : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly PipeReader _reader;

    private BenchSocket(Socket socket)
    {
        _socket = socket;
        _reader = PipeReader.Create(new NetworkStream(socket, ownsSocket: false));
    }

    public static async Task<BenchSocket> ConnectAsync(int port, BenchUser user)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port);
        var client = new BenchSocket(socket);
        await client.SendAsync(FrameType.Register, user.Id.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes(user.Token));
        var (type, _) = await client.NextAsync();
        if (type != FrameType.Register)
        {
            throw new InvalidOperationException("REGISTER refused");
        }
        return client;
    }

    public async Task SendAsync(FrameType type, string userId, byte[] data)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, type, Encoding.UTF8.GetBytes(userId), data);
        await _socket.SendAsync(writer.WrittenMemory, SocketFlags.None);
    }

    public async Task<byte[]> NextTextAsync()
    {
        while (true)
        {
            var (type, data) = await NextAsync();
            if (type == FrameType.Text)
            {
                return data;
            }
        }
    }

    private async Task<(FrameType Type, byte[] Data)> NextAsync()
    {
        while (true)
        {
            var result = await _reader.ReadAsync();
            var buffer = result.Buffer;
            if (FrameReader.TryRead(ref buffer, 1 << 20, out var frame, out _) == FrameReadStatus.Complete)
            {
                var answer = (frame.Type, frame.Data.ToArray());
                _reader.AdvanceTo(buffer.Start);
                return answer;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("closed");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        _socket.Dispose();
    }
}
