using System.Globalization;

namespace WeCompany.Bench.Signaling;

/// <summary>
/// The "gateway" mode (bench/cluster/run.sh): fan-out through an already running gateway, in steps of offered load
/// until the delivered rate stops following the offered one or the p99 passes a bound.
/// </summary>
internal static class GatewaySteps
{
    /// <summary>A step keeps up when it delivers at least this share of what it offered (and its p99 is in bound).</summary>
    private const double KeepsUp = 0.95;

    /// <summary>
    /// Options: rooms=6 or a rising list (rooms=2,4,6: one step each), size=100 sockets per room, seconds=6 per
    /// window, label= (first column), p99=500 (ms, the bound), past=2 (steps in a row that fail to keep up before
    /// stopping), warmup=0 (rooms of an unreported first run, warmup_seconds=3 long: the servers' JIT and pools warm up),
    /// cpu=group,group (cgroup v1 groups whose CPU use in each window is reported, see <see cref="CgroupCpu"/>),
    /// budget=0.1 and capped=group,group (those groups' quota in cores while chat traffic runs, a core otherwise).
    /// Prints one table row per step.
    /// </summary>
    public static async Task RunAsync(Uri gateway, IReadOnlyDictionary<string, string> options)
    {
        var steps = (options.GetValueOrDefault("rooms") ?? "6").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
        var size = int.Parse(options.GetValueOrDefault("size") ?? "100", CultureInfo.InvariantCulture);
        var seconds = int.Parse(options.GetValueOrDefault("seconds") ?? "6", CultureInfo.InvariantCulture);
        var bound = double.Parse(options.GetValueOrDefault("p99") ?? "500", CultureInfo.InvariantCulture);
        var past = int.Parse(options.GetValueOrDefault("past") ?? "2", CultureInfo.InvariantCulture);
        var label = options.GetValueOrDefault("label") ?? "gateway";
        var groups = (options.GetValueOrDefault("cpu") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var capped = (options.GetValueOrDefault("capped") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var budget = double.Parse(options.GetValueOrDefault("budget") ?? "0", CultureInfo.InvariantCulture);
        var cpu = groups.Length > 0 ? new CgroupCpu(groups, budget > 0 ? capped : [], budget) : null;
        cpu?.Lift();
        var warmup = int.Parse(options.GetValueOrDefault("warmup") ?? "0", CultureInfo.InvariantCulture);
        var warmupSeconds = int.Parse(options.GetValueOrDefault("warmup_seconds") ?? "3", CultureInfo.InvariantCulture);
        var generator = new LoadGenerator(gateway, 0);
        if (warmup > 0)
        {
            await generator.FanOutAsync(useSignaling: true, warmup, size, warmupSeconds, frameBytes: 0);
        }
        var behind = 0;
        foreach (var rooms in steps)
        {
            // Each step's rooms are new meetings; its participants are the earlier steps' users where there are enough.
            generator.ReuseUsers();
            var result = await generator.FanOutAsync(useSignaling: true, rooms, size, seconds, frameBytes: 0, cpu);
            var share = result.DeliveredPerSecond / result.Offered;
            var keepsUp = share >= KeepsUp && result.P99 <= bound;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {rooms} | {result.RoomsPerNode} | {result.Offered} | {result.DeliveredPerSecond:F0} | {100 * share:F0}% | {result.P50:F2} | {result.P99:F2} | {(keepsUp ? "yes" : "no")} | {result.ClosedByServer} | {result.Cpu} |"));
            behind = keepsUp ? 0 : behind + 1;
            if (behind >= past)
            {
                break;
            }
        }
    }
}
