using System.Globalization;

namespace WeCompany.Bench.Sfu;

/// <summary>CPU time of one thread or the process from /proc (Linux), in seconds.</summary>
internal static class ThreadCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>The task id of the thread named <paramref name="name"/> in this process, or null.</summary>
    public static string? FindThread(string name) =>
        Directory.GetDirectories("/proc/self/task")
            .FirstOrDefault(task => File.Exists(Path.Combine(task, "comm")) && File.ReadAllText(Path.Combine(task, "comm")).Trim() == name) is { } path
            ? Path.GetFileName(path)
            : null;

    /// <summary>utime + stime of /proc/self/task/{tid}/stat (or /proc/self/stat for the process).</summary>
    public static double Seconds(string? tid = null)
    {
        var stat = File.ReadAllText(tid is null ? "/proc/self/stat" : $"/proc/self/task/{tid}/stat");
        // Fields after the parenthesised command name: state is field 3; utime 14 and stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>The calling thread's CPU seconds.</summary>
    public static double CurrentThreadSeconds()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
