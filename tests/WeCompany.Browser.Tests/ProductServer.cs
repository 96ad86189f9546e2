using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Hosting;

namespace WeCompany.Browser.Tests;

/// <summary>
/// The whole server (REST, signaling, SFU) on 127.0.0.1 with a temporary data folder, and a headless Chromium
/// beside it: what the browser tests that go through the real product start with.
/// </summary>
internal sealed class ProductServer : IAsyncDisposable
{
    private readonly string _dataDir;

    private ProductServer(string dataDir, WebApplication app, Uri baseAddress, Chromium chromium)
    {
        _dataDir = dataDir;
        App = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Chromium = chromium;
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public Chromium Chromium { get; }

    public static async Task<ProductServer> StartAsync(string name)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"wecompany-{name}-" + Guid.NewGuid().ToString("N"));
        var app = ServerHost.Build(new Dictionary<string, string?>
        {
            ["Http:Address"] = "127.0.0.1",
            ["Http:Port"] = "0",
            ["Tcp:Port"] = "0",
            ["Media:Port"] = "0",
            ["Media:PublicAddresses:0"] = "127.0.0.1",
            ["Storage:DataDir"] = dataDir,
            ["Auth:PasswordIterations"] = "10000",
            ["Logging:LogLevel:Default"] = "Warning",
        }, null);
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var baseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new ProductServer(dataDir, app, baseAddress, await Chromium.LaunchAsync());
    }

    /// <summary>Registers <paramref name="name"/> through REST; answers the token pair and user id.</summary>
    public async Task<AuthResult> RegisterAsync(string name)
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/auth/register",
            new RegisterRequest(name, name + "@example.test", "correct-horse-battery", name), WireJson.Options);
        return await DataAsync<AuthResult>(response);
    }

    /// <summary>Creates a private meeting for up to ten people, hosted by the owner of <paramref name="token"/>.</summary>
    public async Task<MeetingDetails> CreateMeetingAsync(string token, string title) =>
        await PostAsync<MeetingDetails>(token, "/api/v1/meetings", new CreateMeetingRequest(title, null, null, 60, 10, false, null));

    /// <summary>Joins the meeting as the owner of <paramref name="token"/>.</summary>
    public async Task<JoinMeetingResult> JoinAsync(string token, long meetingId) =>
        await PostAsync<JoinMeetingResult>(token, $"/api/v1/meetings/{meetingId}/join", new JoinMeetingRequest(null));

    private async Task<T> PostAsync<T>(string token, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType(), options: WireJson.Options) };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await Http.SendAsync(request);
        return await DataAsync<T>(response);
    }

    private static async Task<T> DataAsync<T>(HttpResponseMessage response)
    {
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ApiResponse<T>>(WireJson.Options))!.Data;
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        Http.Dispose();
        await App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold a file a moment longer; the temp folder is the system's to clean.
        }
    }
}
