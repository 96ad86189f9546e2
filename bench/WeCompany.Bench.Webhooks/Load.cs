using System.Diagnostics;

namespace WeCompany.Bench.Webhooks;

/// <summary>The two kinds of load: open-loop paced calls (a fixed schedule), and closed-loop clients (next call when the last answered).</summary>
internal static class Load
{
    /// <summary>What a paced run came to.</summary>
    /// <param name="Offered">Calls on the schedule (rate × seconds).</param>
    /// <param name="Ok">Calls answered 2xx.</param>
    /// <param name="Failed">Calls answered otherwise, failed or timed out.</param>
    /// <param name="Skipped">Slots not sent because <c>maxInFlight</c> calls were already outstanding.</param>
    /// <param name="SendSeconds">From the first slot to the last call started.</param>
    /// <param name="MaxLagMs">How late the pacer started a call at worst.</param>
    /// <param name="CallMs">Client-side durations of the 2xx calls, sorted.</param>
    public sealed record PacedResult(int Offered, int Ok, int Failed, int Skipped, double SendSeconds, double MaxLagMs, double[] CallMs)
    {
        public double AchievedRate => Ok / SendSeconds;
    }

    /// <summary>
    /// Starts call <c>i</c> at start + i / <paramref name="rate"/> for <paramref name="seconds"/>, whatever the answers
    /// (open loop), at most <paramref name="maxInFlight"/> outstanding; waits for the last answer (bounded).
    /// </summary>
    public static async Task<PacedResult> PacedAsync(Func<long, Task<bool>> call, double rate, double seconds, int maxInFlight)
    {
        var total = (int)Math.Round(rate * seconds);
        var durations = new double[total];
        var ok = new bool[total];
        var tasks = new List<Task>(total);
        using var gate = new SemaphoreSlim(maxInFlight);
        var skipped = 0;
        var maxLag = 0.0;
        var start = Stopwatch.GetTimestamp();
        var issued = 0;
        while (issued < total)
        {
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (elapsed > seconds * 2 + 10)
            {
                break; // the pacer itself starved for seconds: stop rather than run on
            }
            var due = Math.Min(total, (int)(elapsed * rate) + 1);
            for (; issued < due; issued++)
            {
                maxLag = Math.Max(maxLag, (elapsed - issued / rate) * 1000);
                if (!gate.Wait(0))
                {
                    skipped++;
                    continue;
                }
                tasks.Add(RunAsync(issued));
            }
            await Task.Delay(1);
        }
        var sendSeconds = Math.Max(Stopwatch.GetElapsedTime(start).TotalSeconds, 1e-3);
        await Task.WhenAll(tasks).WaitAsync(BenchServer.CallTimeout + TimeSpan.FromSeconds(10));
        var okCount = ok.Count(b => b);
        var calls = durations.Where((_, i) => ok[i]).Order().ToArray();
        return new PacedResult(total, okCount, tasks.Count - okCount, skipped, sendSeconds, maxLag, calls);

        async Task RunAsync(int i)
        {
            try
            {
                await Task.Yield();
                var started = Stopwatch.GetTimestamp();
                ok[i] = await call(i);
                durations[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
            finally
            {
                gate.Release();
            }
        }
    }

    /// <summary>What a closed-loop run came to.</summary>
    public sealed record ClosedResult(int Ok, int Failed, double Seconds)
    {
        public double Rate => Ok / Seconds;
    }

    /// <summary><paramref name="clients"/> loops, each calling again as soon as its last call answered, for <paramref name="seconds"/>.</summary>
    public static async Task<ClosedResult> ClosedAsync(Func<int, long, Task<bool>> call, int clients, double seconds)
    {
        const long MaxCallsPerClient = 10_000_000;
        var start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            int ok = 0, failed = 0;
            for (long k = 0; k < MaxCallsPerClient && Stopwatch.GetElapsedTime(start).TotalSeconds < seconds; k++)
            {
                if (await call(client, k))
                {
                    ok++;
                }
                else
                {
                    failed++;
                }
            }
            return (ok, failed);
        })).ToList();
        var results = await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(seconds) + BenchServer.CallTimeout + TimeSpan.FromSeconds(10));
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new ClosedResult(results.Sum(r => r.ok), results.Sum(r => r.failed), elapsed);
    }
}
