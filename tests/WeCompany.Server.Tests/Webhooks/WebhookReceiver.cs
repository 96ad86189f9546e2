using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WeCompany.Server.Tests.Webhooks;

/// <summary>One request a receiver got: the headers that matter, the exact body bytes and when it arrived.</summary>
public sealed record ReceivedWebhook(string Path, string? Id, string? Timestamp, string? Signature, string? IdempotencyKey, byte[] Body, DateTimeOffset ArrivedAt)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string Type => Json.GetProperty("type").GetString()!;

    public string EventId => Json.GetProperty("id").GetString()!;

    public long? MeetingId => Json.GetProperty("meeting_id").ValueKind == JsonValueKind.Null ? null : Json.GetProperty("meeting_id").GetInt64();

    /// <summary>
    /// Verifies the request as docs/webhooks.md tells a receiver to, written here independently of the server's code:
    /// some v1 entry of Webhook-Signature equals hex(HMAC-SHA256(secret, "{Webhook-Timestamp}.{body}")), and the
    /// timestamp is within five minutes of now.
    /// </summary>
    public bool IsSignedWith(string secret)
    {
        if (Timestamp is null || Signature is null || !long.TryParse(Timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300)
        {
            return false;
        }
        var signed = Encoding.UTF8.GetBytes(Timestamp + ".").Concat(Body).ToArray();
        var expected = "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        return Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(expected)));
    }
}

/// <summary>What <see cref="WebhookReceiver.Respond"/> answers: the request's context, its record, and how many requests came so far.</summary>
public sealed record WebhookExchange(HttpContext Context, ReceivedWebhook Request, int Number);

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel) that webhook tests register as an endpoint. It records every request,
/// then answers with <see cref="Respond"/> (200 by default), which a test changes to fail, hang, redirect or misbehave.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    private WebhookReceiver(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The URL to register: every path is answered the same way.</summary>
    public string Url => new Uri(BaseAddress, "hook").ToString();

    /// <summary>How to answer a recorded request; runs after recording. Thread-safe to replace between requests.</summary>
    public Func<WebhookExchange, Task> Respond { get; set; } = _ => Task.CompletedTask;

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToArray();

    public static async Task<WebhookReceiver> StartAsync(Func<WebhookExchange, Task>? respond = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Loopback, 0);
            // The tests send their own huge headers; the receiver must accept what the server sends.
            k.Limits.MaxResponseBufferSize = null;
        });
        var app = builder.Build();
        WebhookReceiver? self = null;
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var headers = context.Request.Headers;
            var received = new ReceivedWebhook(context.Request.Path, headers["Webhook-Id"], headers["Webhook-Timestamp"], headers["Webhook-Signature"],
                headers["Idempotency-Key"], body.ToArray(), DateTimeOffset.UtcNow);
            self!._received.Enqueue(received);
            await self.Respond(new WebhookExchange(context, received, self._received.Count));
        });
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new WebhookReceiver(app, new Uri(address + "/"));
        if (respond is not null)
        {
            self.Respond = respond;
        }
        return self;
    }

    /// <summary>Waits until the requests received so far satisfy <paramref name="condition"/>, and answers them.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, string what, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var now = Received;
            if (condition(now))
            {
                return now;
            }
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; received {now.Count}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }
}
