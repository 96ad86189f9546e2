using System.Globalization;
using System.Text;
using WeCompany.Bench.Webhooks;

// Issue 17's figures, in one run on loopback, server + receiver + load in this process:
//   1. delivery latency (receiver's arrival − the event's created_at) of meeting.updated events caused by paced
//      PUT /api/v1/meetings/{id} at each rate of RATES (500 and 200 events/s), beside a baseline of the same JSON
//      POSTed by the bench straight to the receiver at the same rate;
//   2. REST write throughput (closed loop of PUT /api/v1/meetings/{id}) with no endpoint (A) against one enabled
//      endpoint for all events (B), alternating A B over ROUNDS rounds, each B drained before the next round.
// With PG_URL (run.sh postgres) the server's store is PostgreSQL; PG_PID adds its CPU to the figures.
var inv = CultureInfo.InvariantCulture;
var rates = (Environment.GetEnvironmentVariable("RATES") ?? "500,200").Split(',').Select(r => double.Parse(r, inv)).ToList();
var seconds = double.Parse(Environment.GetEnvironmentVariable("SECONDS") ?? "20", inv);
var baselineSeconds = double.Parse(Environment.GetEnvironmentVariable("BASELINE_SECONDS") ?? "5", inv);
var meetings = int.Parse(Environment.GetEnvironmentVariable("MEETINGS") ?? "128", inv);
var rounds = int.Parse(Environment.GetEnvironmentVariable("ROUNDS") ?? "3", inv);
var roundSeconds = double.Parse(Environment.GetEnvironmentVariable("ROUND_SECONDS") ?? "8", inv);
var clients = int.Parse(Environment.GetEnvironmentVariable("CLIENTS") ?? "32", inv);
var drainLimit = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("DRAIN_SECONDS") ?? "90", inv));
var postgres = Environment.GetEnvironmentVariable("PG_URL");
int? postgresPid = int.TryParse(Environment.GetEnvironmentVariable("PG_PID"), NumberStyles.None, inv, out var pgPid) ? pgPid : null;
var store = postgres is null ? "SQLite" : "PostgreSQL";
const int PacedConnections = 32, MaxInFlight = 1024;
const string Updated = "meeting.updated";

var loadBefore = CpuMeter.LoadAverage();
// WORK_DIR (default: the temp folder) holds the SQLite file; WORK_DIR=/dev/shm takes the disk's fsync out of the figures.
var workRoot = Environment.GetEnvironmentVariable("WORK_DIR");
var work = workRoot is null ? Directory.CreateTempSubdirectory("wecompany-bench-webhooks-").FullName
    : Directory.CreateDirectory(Path.Combine(workRoot, "wecompany-bench-webhooks-" + Guid.NewGuid().ToString("N")[..8])).FullName;
Console.WriteLine($"Store {store}{(postgres is null ? " in " + work : "")}; {Environment.ProcessorCount} cores; load average {loadBefore}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
var latencyRows = new List<string>();
var throughputRows = new List<string>();
var notes = new List<string>();
try
{
    await using var receiver = await Receiver.StartAsync();
    await using var server = await BenchServer.StartAsync(Path.Combine(work, "data"), postgres, meetings);
    using var load = server.CreateLoadClient(PacedConnections);
    using var direct = CreateDirectClient(receiver.Address, PacedConnections);
    var cpu = new CpuMeter(postgresPid);
    var ids = server.Meetings;
    Console.WriteLine($"Server {server.Address}, receiver {receiver.Address}, {ids.Count} meetings");

    // Warm-up (not counted): JIT of the server's write path, the outbox, the worker, the sender and the receiver.
    var warm = await server.RegisterEndpointAsync(receiver.Url("warm"));
    var warmRun = await Load.PacedAsync(i => BenchServer.UpdateMeetingAsync(load, ids[(int)(i % ids.Count)], i), 200, 3, MaxInFlight);
    await receiver.WaitForAsync("warm", warmRun.Ok, drainLimit);
    await server.DeleteEndpointAsync(warm);
    await Load.PacedAsync(i => PostDirectAsync(direct, "warm-direct", i), 200, 1, MaxInFlight);

    // 1. Latency at each rate.
    foreach (var rate in rates)
    {
        var label = rate.ToString("0", inv);
        var baselineName = "direct-" + label;
        cpu.Start();
        var baseline = await Load.PacedAsync(i => PostDirectAsync(direct, baselineName, i), rate, baselineSeconds, MaxInFlight);
        var baselineCpu = cpu.Stop();
        await receiver.WaitForAsync(baselineName, baseline.Ok, TimeSpan.FromSeconds(10));
        latencyRows.Add(LatencyRow($"baseline: bench POSTs the same JSON to the receiver ({baselineSeconds:0} s)", rate, baseline,
            receiver.Get(baselineName).Latencies(Updated), baseline.Ok, baselineCpu));
        Console.WriteLine(latencyRows[^1]);

        var name = "latency-" + label;
        var endpoint = await server.RegisterEndpointAsync(receiver.Url(name));
        cpu.Start();
        var run = await Load.PacedAsync(i => BenchServer.UpdateMeetingAsync(load, ids[(int)(i % ids.Count)], i), rate, seconds, MaxInFlight);
        var runCpu = cpu.Stop();
        var loadEnded = DateTime.UtcNow;
        var sink = receiver.Get(name);
        var atEnd = sink.Count;
        cpu.Start();
        var drained = await receiver.WaitForAsync(name, run.Ok, drainLimit);
        var drainCpu = cpu.Stop();
        var drainSeconds = (DateTime.UtcNow - loadEnded).TotalSeconds;
        var duringLoad = sink.CountBefore(loadEnded);
        await server.DeleteEndpointAsync(endpoint);
        latencyRows.Add(LatencyRow($"webhook: PUT /api/v1/meetings/{{id}} → receiver ({seconds:0} s)", rate, run, sink.Latencies(Updated), duringLoad, runCpu));
        Console.WriteLine(latencyRows[^1]);
        var latencies = sink.Latencies(Updated).Select(l => l.LatencyMs).Order().ToList();
        var lastDelivered = latencies.Count == 0 ? 0 : sink.Latencies(Updated).Max(l => l.Arrival).Subtract(loadEnded).TotalSeconds;
        notes.Add($"{label}/s: {sink.Count} of {run.Ok} events delivered " +
            (drained is { } d ? $"(the last {d.TotalSeconds:0.0} s after the load stopped)" : $"— {run.Ok - sink.Count} still pending {drainLimit.TotalSeconds:0} s after the load stopped") +
            $", {sink.Duplicates} duplicates, {run.Failed} PUTs failed, {run.Skipped} slots skipped (client saturated), pacer late by ≤ {run.MaxLagMs:0} ms" +
            (latencies.Count > 0 ? $"; p50 of the first / last 10 % of events: {FirstLast(sink.Latencies(Updated))}" : "") +
            (lastDelivered > 0 ? $"; last arrival {lastDelivered:0.0} s after the last PUT" : "") +
            (sink.Count > atEnd ? $"; the backlog alone (no PUTs) went out at {(sink.Count - atEnd) / drainSeconds:N0} events/s using {Cores(drainCpu)} cores" : ""));
    }

    // 2. Throughput, A (no endpoint) and B (one endpoint, all events), alternating.
    using var closedClient = server.CreateLoadClient(clients);
    Func<int, long, Task<bool>> closed = (client, k) => BenchServer.UpdateMeetingAsync(closedClient, ids[(int)((client + k * clients) % ids.Count)], k);
    await Load.ClosedAsync(closed, clients, 3); // warm-up
    var a = new List<double>();
    var b = new List<double>();
    for (var round = 1; round <= rounds; round++)
    {
        cpu.Start();
        var off = await Load.ClosedAsync(closed, clients, roundSeconds);
        var offCpu = cpu.Stop();
        a.Add(off.Rate);

        var name = "throughput-" + round.ToString(inv);
        var endpoint = await server.RegisterEndpointAsync(receiver.Url(name));
        cpu.Start();
        var on = await Load.ClosedAsync(closed, clients, roundSeconds);
        var onCpu = cpu.Stop();
        var loadEnded = DateTime.UtcNow;
        b.Add(on.Rate);
        var drained = await receiver.WaitForAsync(name, on.Ok, drainLimit);
        var sink = receiver.Get(name);
        var duringLoad = sink.CountBefore(loadEnded);
        await server.DeleteEndpointAsync(endpoint);
        throughputRows.Add($"| {store} | {round} | {off.Rate:N0} | {on.Rate:N0} | {on.Rate / off.Rate * 100:0} % | {duringLoad / on.Seconds:N0} | " +
            (drained is { } d ? $"{d.TotalSeconds:0.0}" : $"not drained in {drainLimit.TotalSeconds:0} s ({on.Ok - sink.Count} left)") +
            $" | {Cores(offCpu)} | {Cores(onCpu)} | {off.Failed + on.Failed} |");
        Console.WriteLine(throughputRows[^1]);
    }
    var ratios = a.Zip(b, (x, y) => y / x).ToList();
    throughputRows.Add($"| {store} | **median** | **{Median(a):N0}** | **{Median(b):N0}** | **{Median(b) / Median(a) * 100:0} %** (median of the pair ratios {Median(ratios) * 100:0} %) | | | | | |");
}
finally
{
    Directory.Delete(work, recursive: true);
}

var loadAfter = CpuMeter.LoadAverage();
Console.WriteLine();
Console.WriteLine($"## Webhooks, {store} — load average before {loadBefore}, after {loadAfter}");
Console.WriteLine();
Console.WriteLine("The server, its delivery worker, the receiver and the load generator share this process and the machine's " +
    $"{Environment.ProcessorCount} cores: every figure below includes the receiver's and the worker's CPU competing with the server's.");
Console.WriteLine();
Console.WriteLine($"Delivery latency = receiver's arrival − the event's created_at (ms resolution), paced open loop over {meetings} meetings, {PacedConnections} connections:");
Console.WriteLine();
Console.WriteLine("| store | path | target /s | offered | 2xx | achieved /s | delivered during load /s | p50 ms | p90 ms | p99 ms | max ms | call p50 / p99 ms | CPU cores (process · PostgreSQL · machine) |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
latencyRows.ForEach(Console.WriteLine);
Console.WriteLine();
notes.ForEach(n => Console.WriteLine("- " + n));
Console.WriteLine();
Console.WriteLine($"REST write throughput, closed loop, {clients} clients, PUT /api/v1/meetings/{{id}} over {meetings} meetings, {roundSeconds:0} s per round, A and B alternating:");
Console.WriteLine();
Console.WriteLine("| store | round | A: no endpoint req/s | B: one endpoint req/s | B / A | B delivered during the round /s | B drained after (s) | CPU A | CPU B | failed |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---|---|---|---:|");
throughputRows.ForEach(Console.WriteLine);
return 0;

string LatencyRow(string path, double rate, Load.PacedResult run, List<(double LatencyMs, DateTime Arrival)> events, int duringLoad,
    (double Self, double? Postgres, double Machine) cores)
{
    var sorted = events.Select(e => e.LatencyMs).Order().ToList();
    // Events never delivered count as slower than every delivered one (the percentiles are over all 2xx calls).
    string P(double p)
    {
        var rank = (int)Math.Ceiling(p * run.Ok) - 1;
        return rank < 0 || run.Ok == 0 ? "—" : rank < sorted.Count ? sorted[rank].ToString("N1", inv) : "> " + (sorted.Count > 0 ? sorted[^1].ToString("N0", inv) : "∞");
    }
    var calls = run.CallMs;
    return $"| {store} | {path} | {rate:0} | {run.Offered} | {run.Ok} | {run.AchievedRate:N0} | {duringLoad / run.SendSeconds:N0} | {P(0.5)} | {P(0.9)} | {P(0.99)} | " +
        $"{(sorted.Count > 0 ? sorted[^1].ToString("N0", inv) : "—")} | {Percentile(calls, 0.5):N1} / {Percentile(calls, 0.99):N1} | {Cores(cores)} |";
}

static string FirstLast(List<(double LatencyMs, DateTime Arrival)> events)
{
    var byArrival = events.OrderBy(e => e.Arrival).Select(e => e.LatencyMs).ToList();
    var tenth = Math.Max(1, byArrival.Count / 10);
    var first = byArrival.Take(tenth).Order().ToArray();
    var last = byArrival.Skip(byArrival.Count - tenth).Order().ToArray();
    return string.Create(CultureInfo.InvariantCulture, $"{Percentile(first, 0.5):N1} / {Percentile(last, 0.5):N1} ms");
}

static string Cores((double Self, double? Postgres, double Machine) c) =>
    string.Create(CultureInfo.InvariantCulture, $"{c.Self:0.00} · {(c.Postgres is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) : "—")} · {c.Machine:0.00}");

static double Percentile(IReadOnlyList<double> sorted, double p) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static HttpClient CreateDirectClient(string address, int connections) => new(new SocketsHttpHandler
{
    MaxConnectionsPerServer = connections,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    UseProxy = false,
})
{
    BaseAddress = new Uri(address),
    Timeout = BenchServer.CallTimeout,
};

// The baseline: an event of the same shape, stamped now with millisecond resolution like the server's, POSTed directly.
static async Task<bool> PostDirectAsync(HttpClient client, string name, long n)
{
    var now = DateTimeOffset.UtcNow;
    var body = "{\"id\":\"" + Guid.CreateVersion7(now) + "\",\"type\":\"" + Updated + "\",\"created_at\":\"" +
        now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + "\",\"meeting_id\":1,\"user_id\":1,\"data\":{\"title\":\"Update " +
        n.ToString(CultureInfo.InvariantCulture) + "\"}}";
    using var deadline = new CancellationTokenSource(BenchServer.CallTimeout);
    using var content = new StringContent(body, Encoding.UTF8, "application/json");
    try
    {
        using var response = await client.PostAsync("/hook/" + name, content, deadline.Token);
        return response.IsSuccessStatusCode;
    }
    catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
    {
        return false;
    }
}
