using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using WeCompany.Server.Tests.Webhooks;

namespace WeCompany.Cluster.Tests;

/// <summary>
/// A server process SIGKILLed during a burst of events and started again on the same data folder (SQLite): every
/// committed event reaches the receiver, and only what was leased to the node at the kill may arrive a second time, with the
/// same Webhook-Id and body (a receiver drops it by that idempotency key).
/// </summary>
public sealed class WebhookCrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Events = 1000;
    private const int MaxInFlight = 8;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AKilledNodeLosesNoEventAndResendsAtMostWhatItHadLeased()
    {
        var folder = Directory.CreateTempSubdirectory("wecompany-webhooks-").FullName;
        // A few milliseconds per answer: deliveries are in flight when the kill comes.
        await using var receiver = await WebhookReceiver.StartAsync(x => Task.Delay(2));
        var environment = new Dictionary<string, string>
        {
            ["WECOMPANY_Auth__JwtKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["WECOMPANY_Auth__PasswordIterations"] = "10000",
            ["WECOMPANY_Http__Address"] = "127.0.0.1",
            ["WECOMPANY_Media__BindAddress"] = "127.0.0.1",
            ["WECOMPANY_Webhooks__AllowPrivateNetworks"] = "true",
            ["WECOMPANY_Webhooks__PollSeconds"] = "0.1",
            ["WECOMPANY_Webhooks__MaxConcurrentPerEndpoint"] = MaxInFlight.ToString(CultureInfo.InvariantCulture),
            ["WECOMPANY_Logging__LogLevel__Default"] = "Warning",
            // Embedded, as `make run` starts it: a new node id on every start, so the restart cannot recognise its own leases.
            ["WECOMPANY_Cluster__NodeId"] = "",
        };
        await using var node = new ServerNode("webhooks", folder, environment);
        await node.StartAsync();
        using var http = new HttpClient { BaseAddress = node.DirectAddress, Timeout = TimeSpan.FromSeconds(10) };
        var register = await http.PostAsJsonAsync("api/v1/auth/register",
            new { username = "admin", email = "admin@example.com", password = "SecurePass123!" }).WaitAsync(Wait);
        var token = (await ApiAssert.SuccessAsync(register)).GetProperty("token").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var hook = await ApiAssert.SuccessAsync(await http.PostAsJsonAsync("api/v1/admin/webhooks",
            new { url = receiver.Url, events = new[] { "meeting.created" } }).WaitAsync(Wait), HttpStatusCode.Created);
        var hookId = hook.GetProperty("webhook").GetProperty("webhook_id").GetInt64();

        // Phase 1: eight clients create meetings until the node dies under them (SIGKILL once a third has arrived).
        var acknowledged = new ConcurrentBag<long>();
        var next = 0;
        async Task CreateUntilFailureAsync()
        {
            while (Interlocked.Increment(ref next) <= Events)
            {
                try
                {
                    using var response = await http.PostAsJsonAsync("api/v1/meetings", new { title = "Burst", duration = 30 });
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        return;
                    }
                    acknowledged.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("meeting_id").GetInt64());
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    return;
                }
            }
        }
        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(CreateUntilFailureAsync)).ToArray();
        await receiver.WaitForAsync(r => r.Count >= Events / 3, "a third of the events before the kill", Wait.TotalSeconds);
        node.Process.Kill();
        await Task.WhenAll(clients).WaitAsync(Wait);
        var beforeKill = receiver.Received.Count;
        var attempted = Math.Min(Volatile.Read(ref next), Events + 8);

        // Phase 2: the node comes back on the same data folder; the rest of the burst goes through it.
        await node.StartAsync();
        var restarted = DateTime.UtcNow;
        var remaining = Events - acknowledged.Count;
        for (var i = 0; i < remaining; i++)
        {
            using var response = await http.PostAsJsonAsync("api/v1/meetings", new { title = "After", duration = 30 }).WaitAsync(Wait);
            var created = await ApiAssert.SuccessAsync(response, HttpStatusCode.Created);
            acknowledged.Add(created.GetProperty("meeting_id").GetInt64());
        }

        // Every committed event is delivered (the store says so), and the receiver has each of them.
        var deliveries = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var store = await CountStatesAsync(http, hookId);
            deliveries = store.Total;
            return store.Pending == 0;
        }, Wait, "no delivery left pending");
        // The dead process's leases (50 s with the default 10 s request timeout) were given back at the restart, not waited out.
        Assert.True(DateTime.UtcNow - restarted < TimeSpan.FromSeconds(40), $"the backlog took {(DateTime.UtcNow - restarted).TotalSeconds:0} s after the restart");
        var received = receiver.Received;
        var distinct = received.GroupBy(r => r.EventId).ToList();
        var meetingIds = received.Select(r => r.MeetingId!.Value).ToHashSet();
        output.WriteLine($"acknowledged {acknowledged.Count}, attempted before the kill {attempted}, received before the kill {beforeKill}, " +
            $"delivery rows {deliveries}, requests received {received.Count}, distinct events {distinct.Count}");
        Assert.All(acknowledged, id => Assert.Contains(id, meetingIds));
        Assert.Equal(deliveries, distinct.Count);
        // Rows leased to the node (being sent, answered but not yet recorded, or waiting) are at most twice the request slots.
        Assert.InRange(received.Count - distinct.Count, 0, 2 * MaxInFlight);
        Assert.All(distinct.Where(g => g.Count() > 1), g => Assert.Single(g.Select(r => Convert.ToBase64String(r.Body)).Distinct()));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The endpoint's deliveries by state, from the admin view's counts.</summary>
    private static async Task<(int Total, int Pending)> CountStatesAsync(HttpClient http, long hookId)
    {
        var counts = (await ApiAssert.SuccessAsync(await http.GetAsync($"api/v1/admin/webhooks/{hookId}/deliveries?limit=1").WaitAsync(Wait))).GetProperty("counts");
        var pending = counts.GetProperty("pending").GetInt32();
        Assert.Equal(0, counts.GetProperty("failed").GetInt32());
        return (pending + counts.GetProperty("delivered").GetInt32(), pending);
    }
}
