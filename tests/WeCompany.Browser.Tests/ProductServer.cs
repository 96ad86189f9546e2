using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
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
