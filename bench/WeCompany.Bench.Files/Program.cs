using System.Globalization;
using WeCompany.Bench.Files;

// Issue 8's figures: upload throughput of a large file against two baselines in the same run (with the
// server's resident memory), and pocketsphinx's real-time factor. With PG_URL (run.sh postgres) a second server
// keeps its files in PostgreSQL (Files:Storage=postgres), and uploads and downloads of both stores are measured
// against the plain baselines in the same run, round by round; speech is skipped then.
var sizeMiB = int.Parse(Environment.GetEnvironmentVariable("SIZE_MIB") ?? "1024", CultureInfo.InvariantCulture);
var rounds = int.Parse(Environment.GetEnvironmentVariable("ROUNDS") ?? "3", CultureInfo.InvariantCulture);
var postgres = Environment.GetEnvironmentVariable("PG_URL");
var size = (long)sizeMiB << 20;
var work = Directory.CreateTempSubdirectory("wecompany-bench-files-").FullName;
try
{
    var source = Path.Combine(work, "source.pdf");
    Transfers.WriteSourceFile(source, size);

    await using var baseline = await PlainPutServer.StartAsync(Path.Combine(work, "put"), source);
    var stores = new List<(string Name, BenchServer Server)>
    {
        (postgres is null ? "" : " (local disk)", await BenchServer.StartAsync(Path.Combine(work, "data"), size + (1 << 20), null)),
    };
    if (postgres is not null)
    {
        stores.Add((" (PostgreSQL)", await BenchServer.StartAsync(Path.Combine(work, "data-pg"), size + (1 << 20), postgres)));
    }

    const string Copy = "curl file:// → file (disk copy)", Put = "curl PUT → minimal Kestrel → disk", Get = "curl GET ← minimal Kestrel ← disk";
    var uploads = new Dictionary<string, List<Transfers.Measurement>> { [Copy] = [], [Put] = [] };
    var downloads = new Dictionary<string, List<Transfers.Measurement>> { [Get] = [] };
    foreach (var (name, _) in stores)
    {
        uploads["curl POST /api/v1/media/upload" + name] = [];
        downloads["curl GET /api/v1/media/files/{id}" + name] = [];
    }
    for (var round = 0; round < rounds; round++)
    {
        var copy = Path.Combine(work, "copy.pdf");
        uploads[Copy].Add(await Transfers.MeasureAsync(["-sS", "-o", copy, "file://" + source]));
        File.Delete(copy);
        uploads[Put].Add(await Transfers.MeasureAsync(["-sS", "-o", "/dev/null", "-T", source, baseline.Url + "/put"]));
        baseline.Clear();
        downloads[Get].Add(await Transfers.MeasureAsync(["-sSf", "-o", "/dev/null", baseline.Url + "/get"]));
        foreach (var (name, server) in stores)
        {
            var (upload, file) = await server.UploadAsync(source, size);
            uploads["curl POST /api/v1/media/upload" + name].Add(upload);
            downloads["curl GET /api/v1/media/files/{id}" + name].Add(await server.DownloadAsync(file));
            await server.DeleteAsync(file);
        }
    }
    foreach (var (_, server) in stores)
    {
        await server.DisposeAsync();
    }

    Print($"Upload of a {sizeMiB} MiB file on loopback (best of {rounds}; RSS of the process that serves every endpoint)", uploads, sizeMiB);
    Print($"Download of the same file on loopback (best of {rounds})", downloads, sizeMiB);
    foreach (var (name, _) in stores)
    {
        Console.WriteLine($"Upload{name} / PUT baseline: {Best(uploads[Put]) / Best(uploads["curl POST /api/v1/media/upload" + name]):P0} (goal ≥ 70%); " +
            $"download{name} / GET baseline: {Best(downloads[Get]) / Best(downloads["curl GET /api/v1/media/files/{id}" + name]):P0}");
    }
    Console.WriteLine();

    if (postgres is null)
    {
        await SpeechBench.RunAsync(work);
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

static double Best(List<Transfers.Measurement> measurements) => measurements.Min(m => m.Seconds);

static void Print(string title, Dictionary<string, List<Transfers.Measurement>> results, int sizeMiB)
{
    Console.WriteLine("## " + title);
    Console.WriteLine();
    Console.WriteLine("| Path | MiB/s (best) | MiB/s (median) | RSS before → peak (MiB) |");
    Console.WriteLine("|---|---:|---:|---|");
    foreach (var (name, measurements) in results)
    {
        var rates = measurements.Select(m => sizeMiB / m.Seconds).Order().ToList();
        var peak = measurements.Max(m => m.PeakRssMiB);
        var before = measurements.Min(m => m.RssBeforeMiB);
        Console.WriteLine($"| {name} | {rates[^1]:0} | {rates[rates.Count / 2]:0} | {(name.Contains("file://", StringComparison.Ordinal) ? "—" : $"{before:0} → {peak:0}")} |");
    }
    Console.WriteLine();
}
