using System.Diagnostics;
using System.Globalization;
using WeCompany.Bench.Signaling;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// Modes: "serve <port>" (the signaling server), "baseline <port>" (bare Kestrel WebSocket broadcast),
// "run [rooms=1,2,4] [seconds=6] [idle=2000] [hold=75]" (starts both as child processes and drives them).
var mode = args.Length > 0 ? args[0] : "run";
switch (mode)
{
    case "serve":
        await BenchServers.ServeSignalingAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
        return;
    case "baseline":
        await BenchServers.ServeBaselineAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
        return;
}

if (mode == "gateway")
{
    // "gateway <base url> [rooms=6 | rooms=2,4,6] [size=100] [seconds=6] [p99=500] [cpu=group,...]": fan-out
    // through an already running gateway (bench/cluster/run.sh); see GatewaySteps.
    await GatewaySteps.RunAsync(new Uri(args[1]), args.Skip(2).Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]));
    return;
}

var options = args.Skip(1).Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
var rooms = (options.GetValueOrDefault("rooms") ?? "1,2,4").Split(',', StringSplitOptions.RemoveEmptyEntries).Where(r => r != "none").Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
var seconds = int.Parse(options.GetValueOrDefault("seconds") ?? "6", CultureInfo.InvariantCulture);
var idle = int.Parse(options.GetValueOrDefault("idle") ?? "2000", CultureInfo.InvariantCulture);
var hold = int.Parse(options.GetValueOrDefault("hold") ?? "75", CultureInfo.InvariantCulture);
const int RoomSize = 100;

using var signaling = ChildServer.Start("serve");
using var baseline = ChildServer.Start("baseline");
await signaling.WaitReadyAsync();
await baseline.WaitReadyAsync();
var generator = new LoadGenerator(signaling.Port, baseline.Port);

Console.WriteLine($"# Signaling bench — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, rooms of {RoomSize}, 1 chat/s per socket, {seconds} s windows");
Console.WriteLine();
Console.WriteLine("| rooms | target | offered msg/s | delivered msg/s | p50 ms | p99 ms | frame bytes |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var count in rooms)
{
    var hub = await generator.FanOutAsync(useSignaling: true, count, RoomSize, seconds, frameBytes: 0);
    Console.WriteLine(hub.Row(count, "signaling"));
    var bare = await generator.FanOutAsync(useSignaling: false, count, RoomSize, seconds, hub.FrameBytes);
    Console.WriteLine(bare.Row(count, "bare Kestrel"));
}
Console.WriteLine();
var join = await generator.JoinLatencyAsync(RoomSize, samples: 200);
Console.WriteLine($"join → room-info with {RoomSize} in the room: p50 {join.P50:F2} ms, p99 {join.P99:F2} ms ({join.Count} samples)");
if (idle > 0)
{
    var memory = await generator.IdleMemoryAsync(signaling.Process.Id, idle, hold);
    Console.WriteLine(memory);
}
