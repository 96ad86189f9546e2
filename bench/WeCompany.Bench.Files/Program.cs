using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WeCompany.Bench.Files;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Hosting;

// Issue 8's figures: upload throughput of a large file against two baselines in the same run (with the
// server's resident memory), and pocketsphinx's real-time factor.
var sizeMiB = int.Parse(Environment.GetEnvironmentVariable("SIZE_MIB") ?? "1024", CultureInfo.InvariantCulture);
var rounds = int.Parse(Environment.GetEnvironmentVariable("ROUNDS") ?? "3", CultureInfo.InvariantCulture);
var work = Directory.CreateTempSubdirectory("wecompany-bench-files-").FullName;
try
{
    var source = Path.Combine(work, "source.pdf");
    Transfers.WriteSourceFile(source, (long)sizeMiB << 20);

    await using var baseline = await PlainPutServer.StartAsync(Path.Combine(work, "put"));
    var app = ServerHost.Build(new Dictionary<string, string?>
    {
        ["Http:Address"] = "127.0.0.1",
        ["Http:Port"] = "0",
        ["Storage:DataDir"] = Path.Combine(work, "data"),
        ["Files:MaxFileBytes"] = ((long)(sizeMiB + 1) << 20).ToString(CultureInfo.InvariantCulture),
        ["Files:QuotaBytesPerUser"] = (1L << 50).ToString(CultureInfo.InvariantCulture),
        ["Logging:LogLevel:Default"] = "Warning",
    }, null);
    await app.StartAsync();
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    using var http = new HttpClient { BaseAddress = new Uri(address) };
    var register = await http.PostAsJsonAsync("/api/v1/auth/register",
        new RegisterRequest("bencher", "bencher@example.com", "bench password 1", "Bench"), WireJson.Options);
    var token = (await register.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ApiResponse<AuthResult>>(WireJson.Options))!.Data.Token;
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    // The bencher hosts a real meeting, so uploads go through the meetings store's access check as in production.
    using var meeting = await http.PostAsJsonAsync("/api/v1/meetings", new CreateMeetingRequest("Bench", null,
        DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), 60, 10, true,
        new MeetingSettingsRequest(null, null, false, null)), WireJson.Options);
    var meetingId = (await meeting.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ApiResponse<MeetingCreated>>(WireJson.Options))!.Data.MeetingId;

    var results = new Dictionary<string, List<Transfers.Measurement>>
    {
        ["curl file:// → file (disk copy)"] = [],
        ["curl PUT → minimal Kestrel → disk"] = [],
        ["curl POST /api/v1/media/upload"] = [],
    };
    for (var round = 0; round < rounds; round++)
    {
        var copy = Path.Combine(work, "copy.pdf");
        results["curl file:// → file (disk copy)"].Add(await Transfers.MeasureAsync(["-sS", "-o", copy, "file://" + source]));
        File.Delete(copy);
        results["curl PUT → minimal Kestrel → disk"].Add(await Transfers.MeasureAsync(["-sS", "-o", "/dev/null", "-T", source, baseline.Url + "/put"]));
        baseline.Clear();
        var upload = await Transfers.MeasureAsync(["-sS", "-o", Path.Combine(work, "answer.json"), "-H", "Authorization: Bearer " + token,
            "-F", $"meeting_id={meetingId.ToString(CultureInfo.InvariantCulture)}", "-F", "file_type=document", "-F", $"file=@{source};type=application/pdf", address + "/api/v1/media/upload"]);
        results["curl POST /api/v1/media/upload"].Add(upload);
        var answer = System.Text.Json.JsonSerializer.Deserialize<ApiResponse<FileInfoResponse>>(File.ReadAllText(Path.Combine(work, "answer.json")), WireJson.Options)!;
        if (answer.Data.FileSize != (long)sizeMiB << 20)
        {
            throw new InvalidOperationException("The upload stored a different size: " + answer.Data.FileSize);
        }
        (await http.DeleteAsync(answer.Data.FileUrl)).EnsureSuccessStatusCode();
    }
    await app.StopAsync();

    Console.WriteLine($"## Upload of a {sizeMiB} MiB file on loopback (best of {rounds}; RSS of the process that serves both endpoints)");
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
    var put = results["curl PUT → minimal Kestrel → disk"].Min(m => m.Seconds);
    var ours = results["curl POST /api/v1/media/upload"].Min(m => m.Seconds);
    Console.WriteLine();
    Console.WriteLine($"Upload / PUT baseline: {put / ours:P0} (goal ≥ 70%)");
    Console.WriteLine();

    await SpeechBench.RunAsync(work);
}
finally
{
    Directory.Delete(work, recursive: true);
}
