using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http;
using WeCompany.Server.Storage;
using WeCompany.Server.Tests.Meetings;
using WeCompany.Server.Webhooks;

namespace WeCompany.Server.Tests.Webhooks;

/// <summary>Receivers that misbehave, targets that must not be reached, and the outbox's transaction rule.</summary>
public sealed class WebhookSafetyTests
{
    private static string LastError(JsonElement delivery) => delivery.GetProperty("last_error").GetString() ?? "";

    private static bool Attempted(List<JsonElement> rows) => rows.Count == 1 && rows[0].GetProperty("attempts").GetInt32() >= 1
        && rows[0].GetProperty("last_error").ValueKind == JsonValueKind.String;

    [Fact]
    public async Task ANameThatResolvesToLoopbackIsRefusedWhenTheRequestConnects()
    {
        // The registration rule refuses "localhost" itself, so the endpoint is written to the store directly, as if its
        // name had pointed elsewhere when it was registered (DNS rebinding): the connect-time check must still hold.
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(WebhookKit.Settings(allowPrivate: false));
        var admin = await server.AdminAsync();
        var url = $"http://localhost:{receiver.BaseAddress.Port}/hook";
        var endpoint = await server.Service<WebhookStore>().InsertEndpointAsync(url, "", WebhookSignature.NewSecret(), "*", true, admin.Id,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), CancellationToken.None);
        await admin.CreateMeetingIdAsync();

        var rows = await admin.WaitForDeliveriesAsync(endpoint.Id, Attempted, "the attempt to be recorded");
        Assert.Contains("refused", LastError(rows[0]), StringComparison.Ordinal);
        Assert.Contains("AllowPrivateNetworks", LastError(rows[0]), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("last_status").ValueKind);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task ARedirectIsNotFollowed()
    {
        await using var target = await WebhookReceiver.StartAsync();
        await using var redirecting = await WebhookReceiver.StartAsync(x =>
        {
            x.Context.Response.StatusCode = 307;
            x.Context.Response.Headers.Location = target.Url;
            return Task.CompletedTask;
        });
        await using var server = await TestServer.StartAsync(WebhookKit.Settings());
        var admin = await server.AdminAsync();
        var hook = await admin.RegisterWebhookAsync(redirecting.Url, "meeting.created");
        await admin.CreateMeetingIdAsync();

        var rows = await admin.WaitForDeliveriesAsync(hook.Id, Attempted, "the attempt to be recorded");
        Assert.Equal(307, rows[0].GetProperty("last_status").GetInt32());
        Assert.Contains("redirects are not followed", LastError(rows[0]), StringComparison.Ordinal);
        Assert.Empty(target.Received);
    }

    [Fact]
    public async Task ReceiversThatHangStreamEndlesslyOrSendHugeHeadersFailCleanlyAndTheServerKeepsServing()
    {
        await using var hanging = await WebhookReceiver.StartAsync(x => Task.Delay(Timeout.Infinite, x.Context.RequestAborted));
        await using var endless = await WebhookReceiver.StartAsync(async x =>
        {
            x.Context.Response.StatusCode = 500;
            var chunk = new byte[16 * 1024];
            chunk.AsSpan().Fill((byte)'a');
            // Bounded for the test's sake: far more than the server reads, and it stops when the server hangs up.
            for (var i = 0; i < 64 * 1024 && !x.Context.RequestAborted.IsCancellationRequested; i++)
            {
                await x.Context.Response.Body.WriteAsync(chunk, x.Context.RequestAborted);
            }
        });
        await using var hugeHeaders = await WebhookReceiver.StartAsync(x =>
        {
            x.Context.Response.Headers["X-Padding"] = new string('h', 64 * 1024);
            return Task.CompletedTask;
        });
        await using var server = await TestServer.StartAsync(WebhookKit.Settings(extra: new() { ["Webhooks:RequestTimeoutSeconds"] = "1" }));
        var admin = await server.AdminAsync();
        var hangingHook = await admin.RegisterWebhookAsync(hanging.Url, "meeting.created");
        var endlessHook = await admin.RegisterWebhookAsync(endless.Url, "meeting.created");
        var hugeHook = await admin.RegisterWebhookAsync(hugeHeaders.Url, "meeting.created");
        var started = DateTime.UtcNow;
        await admin.CreateMeetingIdAsync();

        var endlessRows = await admin.WaitForDeliveriesAsync(endlessHook.Id, Attempted, "the endless body's attempt");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "reading the endless body took too long");
        Assert.Equal(500, endlessRows[0].GetProperty("last_status").GetInt32());
        Assert.StartsWith("HTTP 500: aaaa", LastError(endlessRows[0]), StringComparison.Ordinal);
        Assert.InRange(LastError(endlessRows[0]).Length, 20, 300);
        var hugeRows = await admin.WaitForDeliveriesAsync(hugeHook.Id, Attempted, "the huge headers' attempt");
        Assert.Contains("headers are larger than", LastError(hugeRows[0]), StringComparison.Ordinal);
        var hangingRows = await admin.WaitForDeliveriesAsync(hangingHook.Id, Attempted, "the hanging receiver's attempt");
        Assert.Equal("no answer within 1 s", LastError(hangingRows[0]));
        Assert.InRange(hangingRows[0].GetProperty("latency_ms").GetInt32(), 900, 5000);

        await ApiAssert.SuccessAsync(await admin.Client.GetAsync("api/v1/ping").WaitAsync(MeetingKit.Timeout));
        await admin.CreateMeetingIdAsync();
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AnEventWrittenInATransactionThatRollsBackIsNeverDelivered(StoreKind store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await Stores.StartAsync(store, WebhookKit.Settings());
        var admin = await server.AdminAsync();
        var hook = await admin.RegisterWebhookAsync(receiver.Url, "meeting.created");
        var database = server.Service<Database>();
        var outbox = server.Service<WebhookOutbox>();
        async Task WriteAsync(string id, bool commit)
        {
            await using var connection = await database.OpenAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync();
            var webhookEvent = new WebhookEvent(id, WebhookEventTypes.MeetingCreated, DateTimeOffset.UtcNow, null, admin.Id, new { note = id });
            await outbox.AddAsync(connection, transaction, webhookEvent, CancellationToken.None);
            if (commit)
            {
                await outbox.CommitAsync(transaction, CancellationToken.None);
            }
            else
            {
                await transaction.RollbackAsync();
            }
        }
        await WriteAsync("rolled-back", commit: false);
        await WriteAsync("committed", commit: true);

        var received = await receiver.WaitForAsync(r => r.Count == 1, "the committed event");
        Assert.Equal("committed", received[0].EventId);
        await using var check = await database.OpenAsync(CancellationToken.None);
        Assert.Equal(["committed"], await check.QueryAsync<string>("SELECT event_id FROM webhook_deliveries UNION ALL SELECT event_id FROM webhook_delivery_history"));
        Assert.Single(await admin.DeliveriesAsync(hook.Id));
    }

    [Fact]
    public async Task TheRetryScheduleDoublesFromOneSecondToOneHourWithJitter()
    {
        await using var server = await TestServer.StartAsync();
        var dispatcher = server.Service<WebhookDispatcher>();
        for (var attempt = 1; attempt <= 14; attempt++)
        {
            var full = Math.Min(3600, Math.Pow(2, attempt - 1));
            for (var i = 0; i < 20; i++)
            {
                var delay = dispatcher.RetryDelay(attempt).TotalSeconds;
                Assert.InRange(delay, full / 2, full);
            }
        }
        Assert.Equal(14, server.Service<Microsoft.Extensions.Options.IOptions<WebhookOptions>>().Value.MaxAttempts);
    }
}
