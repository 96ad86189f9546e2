using System.Diagnostics;
using System.Globalization;

namespace WeCompany.Bench.Signaling;

/// <summary>
/// CPU used during a measuring window by cgroup v1 groups that bench/lib/cgroup.sh made: cpuacct.usage (ns) of
/// each, and for groups with a CFS quota the share of periods in which the quota ran out (cpu.stat nr_throttled).
/// The generator's own CPU comes from its process, so it needs no group.
/// With a budget, the groups in <paramref name="capped"/> get <paramref name="budget"/> cores only while chat
/// traffic runs (<see cref="Cap"/>) and a whole core for the set-up between (<see cref="Lift"/>): registration
/// hashes thousands of passwords, which at a tenth of a core would take minutes.
/// </summary>
internal sealed class CgroupCpu(IReadOnlyList<string> groups, IReadOnlyList<string> capped, double budget)
{
    private const string Accounting = "/sys/fs/cgroup/cpuacct";
    private const string Quota = "/sys/fs/cgroup/cpu";
    private readonly long[] _usage = new long[groups.Count];
    private readonly long[] _periods = new long[groups.Count];
    private readonly long[] _throttled = new long[groups.Count];
    private TimeSpan _self;
    private long _started;

    /// <summary>The budget on: called before the first chat is sent, so the measuring window runs under it throughout.</summary>
    public void Cap() => SetQuota(budget);

    /// <summary>A whole core: the quota's period (the runtime saw its budget at start, and keeps that view).</summary>
    public void Lift() => SetQuota(1);

    private void SetQuota(double cores)
    {
        foreach (var group in capped)
        {
            var period = long.Parse(File.ReadAllText(Path.Combine(Quota, group, "cpu.cfs_period_us")).Trim(), CultureInfo.InvariantCulture);
            File.WriteAllText(Path.Combine(Quota, group, "cpu.cfs_quota_us"), ((long)(cores * period)).ToString(CultureInfo.InvariantCulture));
        }
    }

    public void Start()
    {
        for (var i = 0; i < groups.Count; i++)
        {
            _usage[i] = Usage(groups[i]);
            (_periods[i], _throttled[i]) = Throttling(groups[i]);
        }
        _self = Process.GetCurrentProcess().TotalProcessorTime;
        _started = Stopwatch.GetTimestamp();
    }

    /// <summary>"node1 0.30 (throttled 97%) · nginx 0.41 · generator 0.52": cores used on average in the window.</summary>
    public string Stop()
    {
        var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var parts = new List<string>();
        for (var i = 0; i < groups.Count; i++)
        {
            var cores = (Usage(groups[i]) - _usage[i]) / 1e9 / seconds;
            var (periods, throttled) = Throttling(groups[i]);
            var name = groups[i].Replace("wecompany-bench-", "", StringComparison.Ordinal);
            parts.Add(periods > _periods[i]
                ? string.Create(CultureInfo.InvariantCulture, $"{name} {cores:F2} (throttled {100.0 * (throttled - _throttled[i]) / (periods - _periods[i]):F0}%)")
                : string.Create(CultureInfo.InvariantCulture, $"{name} {cores:F2}"));
        }
        var self = (Process.GetCurrentProcess().TotalProcessorTime - _self).TotalSeconds / seconds;
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"generator {self:F2}"));
        return string.Join(" · ", parts);
    }

    private static long Usage(string group) =>
        long.Parse(File.ReadAllText(Path.Combine(Accounting, group, "cpuacct.usage")).Trim(), CultureInfo.InvariantCulture);

    // cpu.stat exists only for groups with a quota; nr_periods counts the periods in which the group ran.
    private static (long Periods, long Throttled) Throttling(string group)
    {
        var path = Path.Combine(Quota, group, "cpu.stat");
        if (!File.Exists(path))
        {
            return (0, 0);
        }
        long periods = 0, throttled = 0;
        foreach (var line in File.ReadLines(path))
        {
            var field = line.Split(' ');
            if (field.Length == 2 && field[0] == "nr_periods")
            {
                periods = long.Parse(field[1], CultureInfo.InvariantCulture);
            }
            else if (field.Length == 2 && field[0] == "nr_throttled")
            {
                throttled = long.Parse(field[1], CultureInfo.InvariantCulture);
            }
        }
        return (periods, throttled);
    }
}
