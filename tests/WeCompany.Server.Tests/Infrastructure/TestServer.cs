using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Hosting;

namespace WeCompany.Server.Tests.Infrastructure;

/// <summary>
/// A real server process-in-a-process: Kestrel on 127.0.0.1 with an ephemeral port, a fresh data folder, and the
/// given configuration. Every test tier that talks HTTP or WebSocket starts one of these.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(WebApplication app, string dataDir, Uri baseAddress)
    {
        App = app;
        DataDir = dataDir;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public string DataDir { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>Starts a server; <paramref name="postgres"/> selects PostgreSQL instead of embedded SQLite.</summary>
    public static async Task<TestServer> StartAsync(IDictionary<string, string?>? settings = null, PostgresDatabase? postgres = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("wecompany-test-").FullName;
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Http:Address"] = "127.0.0.1",
            ["Http:Port"] = "0",
            ["Tcp:Port"] = "0",
            ["Media:Port"] = "0",
            ["Storage:DataDir"] = dataDir,
            // Tests register many users: a cheap hash keeps them fast; the production figure is tested separately.
            ["Auth:PasswordIterations"] = "10000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        };
        if (postgres is not null)
        {
            overrides["Storage:Provider"] = "postgres";
            overrides["Storage:ConnectionString"] = postgres.ConnectionString;
        }
        if (settings is not null)
        {
            foreach (var (key, value) in settings)
            {
                overrides[key] = value;
            }
        }
        var app = ServerHost.Build(overrides, null);
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, dataDir, new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal) + "/"));
    }

    /// <summary>Registers a user with a unique name and answers the token pair.</summary>
    public async Task<AuthResult> RegisterAsync(string? username = null, string password = "SecurePass123!")
    {
        username ??= "u" + Guid.NewGuid().ToString("N")[..12];
        var response = await Client.PostAsJsonAsync("api/v1/auth/register",
            new { username, email = username + "@example.com", password, full_name = "User " + username }).WaitAsync(TimeSpan.FromSeconds(30));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"register failed: {(int)response.StatusCode} {body}");
        }
        return System.Text.Json.JsonSerializer.Deserialize<ApiResponse<AuthResult>>(body, WireJson.Options)!.Data;
    }

    /// <summary>A client that sends the user's bearer token.</summary>
    public HttpClient ClientFor(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await App.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a lingering handle; the temp folder is reclaimed by the OS.
        }
    }
}
