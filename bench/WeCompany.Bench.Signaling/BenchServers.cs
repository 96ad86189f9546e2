using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using WeCompany.Server.Hosting;

namespace WeCompany.Bench.Signaling;

/// <summary>The two servers under comparison, each run in its own process.</summary>
internal static class BenchServers
{
    /// <summary>The real server (ServerHost); the generator sets its meetings up through REST as clients do.</summary>
    public static async Task ServeSignalingAsync(int port)
    {
        var dataDir = Directory.CreateTempSubdirectory("wecompany-bench-signaling-").FullName;
        var app = ServerHost.Build(new Dictionary<string, string?>
        {
            ["Http:Address"] = "127.0.0.1",
            ["Http:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Tcp:Port"] = "0",
            ["Media:Port"] = "0",
            ["Storage:DataDir"] = dataDir,
            ["Logging:LogLevel:Default"] = "Warning",
            // The generator registers thousands of users: the lowest allowed hash cost keeps set-up short (bench only).
            ["Auth:PasswordIterations"] = "10000",
            // The generator's sockets all come from one process; the per-socket rate limit stays far above 1/s.
            ["Signaling:MessagesPerSecond"] = "1000",
            ["Signaling:MessageBurst"] = "1000",
        }, null);
        app.MapGet("/bench/memory", () =>
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            return Results.Json(new { rss = self.WorkingSet64, managed = GC.GetTotalMemory(false) });
        });
        await app.RunAsync();
    }

    /// <summary>A bare Kestrel WebSocket broadcast: each received message is sent, as received, to every socket of its room.</summary>
    public static async Task ServeBaselineAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.UseWebSockets();
        var rooms = new ConcurrentDictionary<int, BareRoom>();
        app.MapGet("/healthz", () => "ok");
        app.Map("/ws", async (HttpContext context, int room) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var bare = rooms.GetOrAdd(room, _ => new BareRoom());
            var member = new BareSocket(socket);
            bare.Add(member);
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var length = 0;
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                        length += result.Count;
                    }
                    while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                    var bytes = buffer.AsSpan(0, length).ToArray();
                    var members = bare.Members;
                    var sends = new Task[members.Length];
                    for (var i = 0; i < members.Length; i++)
                    {
                        sends[i] = members[i].SendAsync(bytes);
                    }
                    await Task.WhenAll(sends);
                }
            }
            catch (WebSocketException)
            {
                // The generator aborts its sockets at the end of a run.
            }
            finally
            {
                bare.Remove(member);
            }
        });
        await app.RunAsync();
    }

    private sealed class BareRoom
    {
        private readonly Lock _gate = new();

        public BareSocket[] Members { get; private set; } = [];

        public void Add(BareSocket socket)
        {
            lock (_gate)
            {
                Members = [.. Members, socket];
            }
        }

        public void Remove(BareSocket socket)
        {
            lock (_gate)
            {
                Members = Members.Where(m => m != socket).ToArray();
            }
        }
    }

    private sealed class BareSocket(WebSocket socket)
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public async Task SendAsync(byte[] bytes)
        {
            await _send.WaitAsync();
            try
            {
                if (socket.State == WebSocketState.Open)
                {
                    await socket.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None);
                }
            }
            catch (WebSocketException)
            {
                // Gone.
            }
            finally
            {
                _send.Release();
            }
        }
    }
}
