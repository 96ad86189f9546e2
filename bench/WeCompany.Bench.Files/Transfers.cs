using System.Diagnostics;
using System.Globalization;

namespace WeCompany.Bench.Files;

/// <summary>Runs curl transfers and samples this process's resident memory meanwhile.</summary>
internal static class Transfers
{
    public sealed record Measurement(double Seconds, double RssBeforeMiB, double PeakRssMiB);

    /// <summary>A PDF-signed file of pseudo-random bytes (1 MiB of random data repeated).</summary>
    public static void WriteSourceFile(string path, long size)
    {
        var block = new byte[1 << 20];
        new Random(8).NextBytes(block);
        using var file = File.Create(path);
        for (long written = 0; written < size; written += block.Length)
        {
            var chunk = (int)Math.Min(block.Length, size - written);
            if (written == 0)
            {
                "%PDF-1.7\n"u8.CopyTo(block);
            }
            file.Write(block, 0, chunk);
        }
    }

    public static async Task<Measurement> MeasureAsync(string[] curlArguments)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = RssMiB();
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, RssMiB());
                await Task.Delay(50);
            }
        });
        var start = new ProcessStartInfo("curl") { RedirectStandardError = true };
        foreach (var argument in curlArguments)
        {
            start.ArgumentList.Add(argument);
        }
        var clock = Stopwatch.StartNew();
        using var curl = Process.Start(start)!;
        var errors = await curl.StandardError.ReadToEndAsync();
        await curl.WaitForExitAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        if (curl.ExitCode != 0)
        {
            throw new InvalidOperationException("curl failed: " + errors);
        }
        return new Measurement(seconds, before, peak);
    }

    private static double RssMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }
        return 0;
    }
}
