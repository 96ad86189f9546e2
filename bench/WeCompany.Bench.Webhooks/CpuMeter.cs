using System.Diagnostics;
using System.Globalization;

namespace WeCompany.Bench.Webhooks;

/// <summary>
/// CPU used in a window, in cores: this process (server, delivery worker, receiver and load together), the
/// PostgreSQL server and its backends when <c>PG_PID</c> is set, and the whole machine (/proc/stat: anything else
/// running counts too).
/// </summary>
internal sealed class CpuMeter
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly int? _postgres;
    private TimeSpan _self;
    private double _pg;
    private (long Busy, long Total) _machine;
    private long _started;

    public CpuMeter(int? postgresPid) => _postgres = postgresPid;

    public void Start()
    {
        _self = Process.GetCurrentProcess().TotalProcessorTime;
        _pg = PostgresSeconds();
        _machine = Machine();
        _started = Stopwatch.GetTimestamp();
    }

    public (double Self, double? Postgres, double Machine) Stop()
    {
        var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var self = (Process.GetCurrentProcess().TotalProcessorTime - _self).TotalSeconds / seconds;
        double? pg = _postgres is null ? null : (PostgresSeconds() - _pg) / seconds;
        var machine = Machine();
        var cores = Environment.ProcessorCount;
        var busy = machine.Total == _machine.Total ? 0 : (double)(machine.Busy - _machine.Busy) / (machine.Total - _machine.Total) * cores;
        return (self, pg, busy);
    }

    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    // The postmaster and its children (backends, writers): utime + stime of each, from /proc/<pid>/stat.
    private double PostgresSeconds()
    {
        if (_postgres is not { } root)
        {
            return 0;
        }
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // After "(comm)": state ppid ... utime is field 14, stime 15 (1-based over the whole line).
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == root || ppid == root)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
                if (pid == root)
                {
                    // cutime + cstime: backends that ended (and were reaped by the postmaster) in the window.
                    ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we looked.
            }
        }
        return ticks / TicksPerSecond;
    }

    private static (long Busy, long Total) Machine()
    {
        var first = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal guest guest_nice; guests are already in user.
        var total = first.Take(8).Sum();
        var idle = first[3] + first[4];
        return (total - idle, total);
    }
}
