using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Hosting;

namespace WeCompany.Bench.Files;

/// <summary>
/// A WeCompany server in the bench process with a registered user who hosts a real meeting, so uploads go
/// through the meetings store's access check as in production; uploads and downloads are timed with curl.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http;
    private readonly string _answer;

    private BenchServer(WebApplication app, HttpClient http, string address, string token, long meetingId, string answer)
    {
        _app = app;
        _http = http;
        Address = address;
        Token = token;
        MeetingId = meetingId;
        _answer = answer;
    }

    public string Address { get; }

    public string Token { get; }

    public long MeetingId { get; }

    /// <summary>A server on <paramref name="dataDir"/>; <paramref name="postgres"/> (an Npgsql connection string) puts the database and the files in PostgreSQL.</summary>
    public static async Task<BenchServer> StartAsync(string dataDir, long maxFileBytes, string? postgres)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Http:Address"] = "127.0.0.1",
            ["Http:Port"] = "0",
            ["Tcp:Port"] = "0",
            ["Media:Port"] = "0",
            ["Storage:DataDir"] = dataDir,
            ["Files:MaxFileBytes"] = maxFileBytes.ToString(CultureInfo.InvariantCulture),
            ["Files:QuotaBytesPerUser"] = (1L << 50).ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (postgres is not null)
        {
            settings["Storage:Provider"] = "postgres";
            settings["Storage:ConnectionString"] = postgres;
            settings["Files:Storage"] = "postgres";
        }
        var app = ServerHost.Build(settings, null);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var http = new HttpClient { BaseAddress = new Uri(address) };
        var name = "bencher" + Guid.NewGuid().ToString("N")[..8];
        var register = await http.PostAsJsonAsync("/api/v1/auth/register",
            new RegisterRequest(name, name + "@example.com", "bench password 1", "Bench"), WireJson.Options);
        var token = (await register.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ApiResponse<AuthResult>>(WireJson.Options))!.Data.Token;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var meeting = await http.PostAsJsonAsync("/api/v1/meetings", new CreateMeetingRequest("Bench", null,
            DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), 60, 10, true,
            new MeetingSettingsRequest(null, null, false, null)), WireJson.Options);
        var meetingId = (await meeting.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ApiResponse<MeetingCreated>>(WireJson.Options))!.Data.MeetingId;
        return new BenchServer(app, http, address, token, meetingId, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDir))!, name + ".json"));
    }

    /// <summary>curl POST /api/v1/media/upload of <paramref name="source"/>; answers the timing and the stored file.</summary>
    public async Task<(Transfers.Measurement Measurement, FileInfoResponse File)> UploadAsync(string source, long expectedSize)
    {
        var upload = await Transfers.MeasureAsync(["-sS", "-o", _answer, "-H", "Authorization: Bearer " + Token,
            "-F", $"meeting_id={MeetingId.ToString(CultureInfo.InvariantCulture)}", "-F", "file_type=document", "-F", $"file=@{source};type=application/pdf", Address + "/api/v1/media/upload"]);
        var answer = System.Text.Json.JsonSerializer.Deserialize<ApiResponse<FileInfoResponse>>(await File.ReadAllTextAsync(_answer), WireJson.Options)!;
        if (answer.Data?.FileSize != expectedSize)
        {
            throw new InvalidOperationException("The upload stored a different size: " + answer.Data?.FileSize);
        }
        return (upload, answer.Data);
    }

    /// <summary>curl GET of the file to /dev/null (failing on any status but 2xx).</summary>
    public Task<Transfers.Measurement> DownloadAsync(FileInfoResponse file) =>
        Transfers.MeasureAsync(["-sSf", "-o", "/dev/null", "-H", "Authorization: Bearer " + Token, file.FileUrl]);

    public async Task DeleteAsync(FileInfoResponse file) => (await _http.DeleteAsync(file.FileUrl)).EnsureSuccessStatusCode();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
