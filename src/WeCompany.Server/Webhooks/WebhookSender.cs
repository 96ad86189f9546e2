using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;

namespace WeCompany.Server.Webhooks;

/// <summary>What one request to an endpoint came to.</summary>
/// <param name="Delivered">The receiver answered 2xx.</param>
/// <param name="Status">The HTTP status; null when there was no answer (refused, timed out, blocked).</param>
/// <param name="Error">Why it failed (short, no secrets); null on success.</param>
/// <param name="LatencyMs">From sending to the answer's headers (or the failure).</param>
public readonly record struct WebhookAttempt(bool Delivered, int? Status, string? Error, int LatencyMs);

/// <summary>The endpoint's address and the secrets that sign a request to it.</summary>
public sealed record WebhookTarget(long EndpointId, Uri Url, string Secret, string? PreviousSecret);

/// <summary>
/// Sends signed POSTs to endpoints. Safe by construction: only http and https; no proxy, cookies or redirects (a 3xx
/// is a failed attempt); the connection goes only to an address that passed <see cref="WebhookAddressPolicy"/>
/// after DNS; the answer's headers are capped and at most <see cref="MaxErrorBodyBytes"/> of a failed answer's body
/// are read. Thread-safe; one instance per process shares its connection pool across endpoints.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    /// <summary>How much of a failed answer's body goes into last_error (the rest is never read).</summary>
    public const int MaxErrorBodyBytes = 256;

    // 16 KiB of headers: far more than any real answer; a receiver sending more is cut off.
    private const int MaxResponseHeadersKiB = 16;
    private const int MaxErrorLength = 300;

    private readonly HttpClient _client;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;

    public WebhookSender(IOptions<WebhookOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        var allowPrivate = _options.AllowPrivateNetworks;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxResponseHeadersLength = MaxResponseHeadersKiB,
            MaxConnectionsPerServer = _options.MaxConcurrentPerEndpoint,
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(5, _options.RequestTimeoutSeconds)),
            // DNS may change: connections are renewed every few minutes, and each new one is checked again.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, allowPrivate, ct),
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("WeCompany-Webhooks", "1"));
    }

    /// <summary>Posts <paramref name="body"/> (the event's JSON) to the target, signed now.</summary>
    public async Task<WebhookAttempt> SendAsync(WebhookTarget target, string eventId, string body, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        var signature = WebhookSignature.Sign(target.Secret, timestamp, bytes);
        if (target.PreviousSecret is { } previous)
        {
            signature += " " + WebhookSignature.Sign(previous, timestamp, bytes);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url)
        {
            Content = new ByteArrayContent(bytes),
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("Webhook-Id", eventId);
        request.Headers.TryAddWithoutValidation("Webhook-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("Webhook-Signature", signature);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", eventId);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(_options.RequestTimeoutSeconds));
        var started = Stopwatch.GetTimestamp();
        int Elapsed() => (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            var latency = Elapsed();
            if (status is >= 200 and < 300)
            {
                return new WebhookAttempt(true, status, null, latency);
            }
            if (status is >= 300 and < 400)
            {
                return new WebhookAttempt(false, status, $"HTTP {status}: redirects are not followed; register the final URL", latency);
            }
            var excerpt = await ReadExcerptAsync(response, deadline.Token);
            return new WebhookAttempt(false, status, Trim($"HTTP {status}" + (excerpt.Length > 0 ? ": " + excerpt : "")), latency);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new WebhookAttempt(false, null, $"no answer within {_options.RequestTimeoutSeconds:0.###} s", Elapsed());
        }
        catch (HttpRequestException e)
        {
            return new WebhookAttempt(false, null, Trim(Describe(e)), Elapsed());
        }
    }

    /// <summary>Resolves the host and connects to the first allowed address; refuses when none is allowed.</summary>
    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivate, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        var allowed = allowPrivate ? addresses : Array.FindAll(addresses, WebhookAddressPolicy.IsPublic);
        if (allowed.Length == 0)
        {
            throw new WebhookTargetRefusedException(addresses.Length == 0
                ? $"{endpoint.Host} does not resolve"
                : $"{endpoint.Host} resolves only to loopback, private or reserved addresses (Webhooks:AllowPrivateNetworks is off)");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<string> ReadExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[MaxErrorBodyBytes];
            var filled = 0;
            int read;
            while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), ct)) > 0)
            {
                filled += read;
            }
            var text = Encoding.UTF8.GetString(buffer, 0, filled);
            // Control characters would garble the admin view and logs.
            return new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return "";
        }
    }

    private static string Describe(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookTargetRefusedException refused)
            {
                return "refused: " + refused.Message;
            }
        }
        return e.HttpRequestError switch
        {
            HttpRequestError.ConnectionError => "could not connect: " + (e.InnerException?.Message ?? e.Message),
            HttpRequestError.NameResolutionError => "the host name does not resolve",
            HttpRequestError.ConfigurationLimitExceeded => "the answer's headers are larger than " + MaxResponseHeadersKiB + " KiB",
            HttpRequestError.SecureConnectionError => "TLS failed: " + (e.InnerException?.Message ?? e.Message),
            HttpRequestError.ResponseEnded => "the receiver closed the connection before answering",
            _ => e.Message,
        };
    }

    private static string Trim(string text) => text.Length <= MaxErrorLength ? text : text[..(MaxErrorLength - 1)] + "…";

    public void Dispose() => _client.Dispose();
}

/// <summary>The target's addresses are not allowed (or there are none): no connection is made.</summary>
public sealed class WebhookTargetRefusedException(string message) : Exception(message);
