using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Hosting;

namespace WeCompany.Bench.Webhooks;

/// <summary>
/// A WeCompany server in the bench process (SQLite in a temp folder, or PostgreSQL), its first user (an
/// administrator, who also hosts the meetings the load updates), and the admin calls that register and delete
/// webhook endpoints.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    /// <summary>Every HTTP call of the bench gives up after this long.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private readonly HttpClient _admin;

    private BenchServer(WebApplication app, HttpClient admin, string address, string token, IReadOnlyList<long> meetings)
    {
        _app = app;
        _admin = admin;
        Address = address;
        Token = token;
        Meetings = meetings;
    }

    public string Address { get; }

    public string Token { get; }

    /// <summary>The meetings the load updates (all hosted by the administrator).</summary>
    public IReadOnlyList<long> Meetings { get; }

    public static async Task<BenchServer> StartAsync(string dataDir, string? postgres, int meetings)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Http:Address"] = "127.0.0.1",
            ["Http:Port"] = "0",
            ["Tcp:Port"] = "0",
            ["Media:Port"] = "0",
            ["Storage:DataDir"] = dataDir,
            ["Auth:PasswordIterations"] = "10000",
            ["Webhooks:AllowPrivateNetworks"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        };
        if (postgres is not null)
        {
            settings["Storage:Provider"] = "postgres";
            settings["Storage:ConnectionString"] = postgres;
        }
        var app = ServerHost.Build(settings, null);
        using (var start = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await app.StartAsync(start.Token);
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var admin = new HttpClient { BaseAddress = new Uri(address), Timeout = CallTimeout };
        var name = "admin" + Guid.NewGuid().ToString("N")[..8];
        using var register = await admin.PostAsJsonAsync("/api/v1/auth/register",
            new RegisterRequest(name, name + "@example.com", "bench password 1", "Bench Admin"), WireJson.Options);
        var token = (await register.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ApiResponse<AuthResult>>(WireJson.Options))!.Data.Token;
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // The first user of a fresh store is an administrator: the admin API must answer (not 403).
        using (var list = await admin.GetAsync("/api/v1/admin/webhooks"))
        {
            if (list.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET /api/v1/admin/webhooks answered {(int)list.StatusCode}: the bench user is not an administrator (is the store fresh?)");
            }
        }
        var ids = new List<long>(meetings);
        var startTime = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        for (var i = 0; i < meetings; i++)
        {
            using var meeting = await admin.PostAsJsonAsync("/api/v1/meetings", new CreateMeetingRequest(
                $"Bench {i.ToString(CultureInfo.InvariantCulture)}", null, startTime, 60, 10, true, new MeetingSettingsRequest(null, null, false, null)), WireJson.Options);
            ids.Add((await meeting.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ApiResponse<MeetingCreated>>(WireJson.Options))!.Data.MeetingId);
        }
        return new BenchServer(app, admin, address, token, ids);
    }

    /// <summary>Registers an enabled endpoint for every event type; answers its id.</summary>
    public async Task<long> RegisterEndpointAsync(string url)
    {
        using var response = await _admin.PostAsJsonAsync("/api/v1/admin/webhooks",
            new WebhookEndpointRequest(url, null, ["*"], true, "bench"), WireJson.Options);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /api/v1/admin/webhooks answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return (await response.Content.ReadFromJsonAsync<ApiResponse<WebhookSecretResult>>(WireJson.Options))!.Data.Webhook.WebhookId;
    }

    /// <summary>Deletes the endpoint and its deliveries (pending ones are never sent).</summary>
    public async Task DeleteEndpointAsync(long id)
    {
        using var response = await _admin.DeleteAsync("/api/v1/admin/webhooks/" + id.ToString(CultureInfo.InvariantCulture));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A client for the load: <paramref name="connections"/> pooled keep-alive connections, the administrator's token.</summary>
    public HttpClient CreateLoadClient(int connections)
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        })
        {
            BaseAddress = new Uri(Address),
            Timeout = CallTimeout,
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    /// <summary>PUT /api/v1/meetings/{id} with a new title: one meeting.updated event. True on 2xx.</summary>
    public static async Task<bool> UpdateMeetingAsync(HttpClient client, long meetingId, long n)
    {
        using var deadline = new CancellationTokenSource(CallTimeout);
        using var content = new StringContent("{\"title\":\"Update " + n.ToString(CultureInfo.InvariantCulture) + "\"}", Encoding.UTF8, "application/json");
        try
        {
            using var response = await client.PutAsync("/api/v1/meetings/" + meetingId.ToString(CultureInfo.InvariantCulture), content, deadline.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
