using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using Microsoft.Extensions.DependencyInjection;
using WeCompany.Server.Hosting;
using WeCompany.Server.Tests.Infrastructure;

namespace WeCompany.Server.Tests.Files;

/// <summary>
/// A real server on 127.0.0.1 (port chosen by the system) with a data folder of its own, for the files and
/// speech tests, on SQLite or a fresh PostgreSQL database. Unlike the shared TestServer it takes extra services:
/// the meeting access table (<see cref="TestMeetingAccess"/>) until the meetings feature implements it.
/// </summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningServer(WebApplication app, string dataDir, Uri address)
    {
        _app = app;
        DataDir = dataDir;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string DataDir { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<RunningServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, PostgresDatabase? postgres = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "wecompany-files-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        var overrides = new Dictionary<string, string?>
        {
            ["Http:Address"] = "127.0.0.1",
            ["Http:Port"] = "0",
            ["Storage:DataDir"] = dataDir,
            ["Auth:PasswordIterations"] = "10000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (postgres is not null)
        {
            overrides["Storage:Provider"] = "postgres";
            overrides["Storage:ConnectionString"] = postgres.ConnectionString;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }
        var app = ServerHost.Build(overrides, null, builder => services?.Invoke(builder.Services));
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningServer(app, dataDir, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    /// <summary>Registers a user and answers its id and a client that sends its bearer token.</summary>
    public async Task<(long UserId, HttpClient Client)> RegisterAsync(string username)
    {
        var response = await Client.PostAsJsonAsync("/api/v1/auth/register",
            new RegisterRequest(username, username + "@example.com", "correct horse " + username, username), WireJson.Options).WaitAsync(TimeSpan.FromSeconds(30));
        response.EnsureSuccessStatusCode();
        var auth = (await response.Content.ReadFromJsonAsync<ApiResponse<AuthResult>>(WireJson.Options))!.Data;
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", auth.Token);
        return (auth.UserId, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the OS for a moment; the temp folder is cleaned eventually.
        }
    }
}
