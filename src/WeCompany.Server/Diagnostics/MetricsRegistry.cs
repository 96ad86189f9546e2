using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace WeCompany.Server.Diagnostics;

/// <summary>
/// The process's figures in Prometheus text format (served at /metrics): HTTP request counts and latency
/// histograms by route and status, counters and gauges that features register, and process figures.
/// Recording is lock-free (Interlocked); rendering takes a snapshot.
/// </summary>
public sealed class MetricsRegistry
{
    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    private readonly ConcurrentDictionary<(string Method, string Route, int Status), RequestStats> _requests = new();
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Help, Func<double> Read)> _gauges = new(StringComparer.Ordinal);

    /// <summary>A monotonically increasing count, created once per name.</summary>
    public Counter Counter(string name, string help) => _counters.GetOrAdd(name, _ => new Counter(help));

    /// <summary>A value read when /metrics is scraped.</summary>
    public void Gauge(string name, string help, Func<double> read) => _gauges[name] = (help, read);

    public void RecordRequest(string method, string route, int status, double seconds)
    {
        var stats = _requests.GetOrAdd((method, route, status), static _ => new RequestStats(LatencyBuckets.Length));
        stats.Record(seconds, LatencyBuckets);
    }

    public string Render()
    {
        var text = new StringBuilder(4096);
        var inv = CultureInfo.InvariantCulture;
        text.Append("# HELP http_requests_total HTTP requests by method, route and status.\n# TYPE http_requests_total counter\n");
        foreach (var ((method, route, status), stats) in _requests)
        {
            text.Append(inv, $"http_requests_total{{method=\"{method}\",route=\"{Escape(route)}\",status=\"{status}\"}} {Interlocked.Read(ref stats.Count)}\n");
        }
        text.Append("# HELP http_request_duration_seconds HTTP request latency.\n# TYPE http_request_duration_seconds histogram\n");
        foreach (var ((method, route, status), stats) in _requests)
        {
            var labels = string.Create(inv, $"method=\"{method}\",route=\"{Escape(route)}\",status=\"{status}\"");
            long cumulative = 0;
            for (var i = 0; i < LatencyBuckets.Length; i++)
            {
                cumulative += Interlocked.Read(ref stats.Buckets[i]);
                text.Append(inv, $"http_request_duration_seconds_bucket{{{labels},le=\"{LatencyBuckets[i]}\"}} {cumulative}\n");
            }
            text.Append(inv, $"http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {Interlocked.Read(ref stats.Count)}\n");
            text.Append(inv, $"http_request_duration_seconds_sum{{{labels}}} {stats.SumMicros / 1e6}\n");
            text.Append(inv, $"http_request_duration_seconds_count{{{labels}}} {Interlocked.Read(ref stats.Count)}\n");
        }
        foreach (var (name, counter) in _counters)
        {
            text.Append(inv, $"# HELP {name} {counter.Help}\n# TYPE {name} counter\n{name} {counter.Value}\n");
        }
        foreach (var (name, (help, read)) in _gauges)
        {
            text.Append(inv, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {read()}\n");
        }
        var process = Process.GetCurrentProcess();
        text.Append(inv, $"# HELP process_resident_memory_bytes Resident memory.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {process.WorkingSet64}\n");
        text.Append(inv, $"# HELP process_cpu_seconds_total CPU time used.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total {process.TotalProcessorTime.TotalSeconds}\n");
        text.Append(inv, $"# HELP process_start_time_seconds Start time, Unix seconds.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeSeconds()}\n");
        text.Append(inv, $"# HELP dotnet_gc_heap_bytes Managed heap size.\n# TYPE dotnet_gc_heap_bytes gauge\ndotnet_gc_heap_bytes {GC.GetTotalMemory(false)}\n");
        text.Append(inv, $"# HELP dotnet_threadpool_threads Thread pool threads.\n# TYPE dotnet_threadpool_threads gauge\ndotnet_threadpool_threads {ThreadPool.ThreadCount}\n");
        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private sealed class RequestStats(int buckets)
    {
        public readonly long[] Buckets = new long[buckets];
        public long Count;
        public long SumMicros;

        public void Record(double seconds, double[] bounds)
        {
            Interlocked.Increment(ref Count);
            Interlocked.Add(ref SumMicros, (long)(seconds * 1e6));
            for (var i = 0; i < bounds.Length; i++)
            {
                if (seconds <= bounds[i])
                {
                    Interlocked.Increment(ref Buckets[i]);
                    return;
                }
            }
        }
    }
}

/// <summary>A counter registered with <see cref="MetricsRegistry"/>.</summary>
public sealed class Counter(string help)
{
    private long _value;

    public string Help { get; } = help;

    public long Value => Interlocked.Read(ref _value);

    public void Increment() => Interlocked.Increment(ref _value);

    public void Add(long amount) => Interlocked.Add(ref _value, amount);
}
