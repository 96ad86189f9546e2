using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WeCompany.Server.Accounts;
using WeCompany.Server.Calls;
using WeCompany.Server.Hosting;

namespace WeCompany.Bench.Tcp;

/// <summary>
/// The child process: a real WeCompany server (TCP on a free loopback port) and a baseline relay that only copies
/// bytes between two sockets. Commands arrive on stdin, answers leave on stdout, one line each.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class ServeMode
{
    public static async Task<int> RunAsync()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "wecompany-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        var app = ServerHost.Build(new Dictionary<string, string?>
        {
            ["Storage:DataDir"] = dataDir,
            ["Http:Address"] = "127.0.0.1",
            ["Http:Port"] = "0",
            ["Tcp:Address"] = "127.0.0.1",
            ["Tcp:Port"] = "0",
            ["Tcp:RegisterTimeoutSeconds"] = "600",
            ["Tcp:IdleTimeoutSeconds"] = "600",
            ["Logging:LogLevel:Default"] = "Warning",
        }, null, builder => builder.Logging.ClearProviders());
        await app.StartAsync();
        var tcp = app.Services.GetRequiredService<TcpServer>();
        var calls = app.Services.GetRequiredService<VideoCallServer>();
        var tokens = app.Services.GetRequiredService<TokenService>();

        using var relay = new Socket(SocketType.Stream, ProtocolType.Tcp);
        relay.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        relay.Listen(16);
        _ = BaselineRelayAsync(relay);

        Console.WriteLine($"READY {tcp.Port} {((IPEndPoint)relay.LocalEndPoint!).Port}");
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "tokens":
                    var first = long.Parse(parts[1], CultureInfo.InvariantCulture);
                    var count = int.Parse(parts[2], CultureInfo.InvariantCulture);
                    await File.WriteAllLinesAsync(parts[3], Enumerable.Range(0, count).Select(i =>
                        tokens.IssueAccessToken(new AuthenticatedUser(first + i, "bench" + (first + i), $"bench{first + i}@example.com"))));
                    Console.WriteLine("OK");
                    break;
                case "call":
                    var caller = long.Parse(parts[1], CultureInfo.InvariantCulture);
                    var callee = long.Parse(parts[2], CultureInfo.InvariantCulture);
                    var result = calls.InitiateCall(caller, callee, true, out var call);
                    Console.WriteLine(result == CallResult.Ok && calls.AcceptCall(call!.Id) == CallResult.Ok ? "CALL " + call.Id : "FAILED " + result);
                    break;
                case "end":
                    calls.EndCall(parts[1]);
                    Console.WriteLine("OK");
                    break;
                case "stats":
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    GC.WaitForPendingFinalizers();
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    using (var process = Process.GetCurrentProcess())
                    {
                        process.Refresh();
                        Console.WriteLine($"STATS {process.WorkingSet64} {GC.GetTotalMemory(false)} {tcp.ConnectionCount} {tcp.OnlineUsers().Count} {tcp.MediaFramesDropped}");
                    }
                    break;
                case "quit":
                    await app.StopAsync();
                    await app.DisposeAsync();
                    Directory.Delete(dataDir, recursive: true);
                    return 0;
            }
        }
        return 0;
    }

    // The baseline: accept a source and a sink, copy bytes from one to the other with one 64 KiB buffer.
    private static async Task BaselineRelayAsync(Socket listener)
    {
        while (true)
        {
            var source = await listener.AcceptAsync();
            var sink = await listener.AcceptAsync();
            _ = Task.Run(async () =>
            {
                var buffer = new byte[64 * 1024];
                try
                {
                    while (true)
                    {
                        var n = await source.ReceiveAsync(buffer, SocketFlags.None);
                        if (n == 0)
                        {
                            break;
                        }
                        await sink.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                    }
                }
                catch (SocketException)
                {
                    // Bench over.
                }
                source.Dispose();
                sink.Dispose();
            });
        }
    }
}
