using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WeCompany.Server.Tests.Meetings;

namespace WeCompany.Server.Tests.Webhooks;

/// <summary>A registered endpoint: its id and the secret the server answered with.</summary>
public sealed record RegisteredWebhook(long Id, string Secret);

/// <summary>Servers set up for webhook tests, registration and the deliveries view over the real REST surface.</summary>
public static class WebhookKit
{
    /// <summary>
    /// Loopback receivers need AllowPrivateNetworks; short retry and poll times keep retries inside a test's time
    /// (the production schedule is tested through <c>RetryDelay</c>).
    /// </summary>
    public static Dictionary<string, string?> Settings(bool allowPrivate = true, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateNetworks"] = allowPrivate ? "true" : "false",
            ["Webhooks:PollSeconds"] = "0.05",
            ["Webhooks:RetryInitialSeconds"] = "0.05",
            ["Webhooks:RetryMaxSeconds"] = "0.2",
            ["Webhooks:RequestTimeoutSeconds"] = "2",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>The first user of a fresh server is its administrator.</summary>
    public static Task<MeetingUser> AdminAsync(this TestServer server) => server.UserAsync("admin" + Guid.NewGuid().ToString("N")[..8]);

    public static async Task<RegisteredWebhook> RegisterWebhookAsync(this MeetingUser admin, string url, params string[] events)
    {
        var response = await admin.Client.PostAsJsonAsync("api/v1/admin/webhooks", new { url, events = events.Length == 0 ? ["*"] : events })
            .WaitAsync(MeetingKit.Timeout);
        var data = await ApiAssert.SuccessAsync(response, HttpStatusCode.Created);
        return new RegisteredWebhook(data.GetProperty("webhook").GetProperty("webhook_id").GetInt64(), data.GetProperty("secret").GetString()!);
    }

    public static async Task<List<JsonElement>> DeliveriesAsync(this MeetingUser admin, long webhookId)
    {
        var data = await ApiAssert.SuccessAsync(await admin.Client.GetAsync($"api/v1/admin/webhooks/{webhookId}/deliveries?limit=200").WaitAsync(MeetingKit.Timeout));
        return data.GetProperty("deliveries").EnumerateArray().ToList();
    }

    /// <summary>Waits until the endpoint's deliveries view satisfies <paramref name="condition"/>.</summary>
    public static async Task<List<JsonElement>> WaitForDeliveriesAsync(this MeetingUser admin, long webhookId, Func<List<JsonElement>, bool> condition, string what)
    {
        List<JsonElement> rows = [];
        await MeetingKit.EventuallyAsync(async () => condition(rows = await admin.DeliveriesAsync(webhookId)), TimeSpan.FromSeconds(20), what);
        return rows;
    }
}
