using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;

namespace WeCompany.Server.Webhooks;

/// <summary>The administrators' side of webhooks: register, change, rotate, delete endpoints and read their deliveries. Thread-safe.</summary>
public sealed partial class WebhookService(WebhookStore store, IOptions<WebhookOptions> options, TimeProvider time, ILogger<WebhookService> logger)
{
    public const int MinSecretLength = 24;
    public const int MaxSecretLength = 256;
    public const int MaxDescriptionLength = 200;
    public const int DefaultDeliveryLimit = 50;
    public const int MaxDeliveryLimit = 200;

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<Result<WebhookSecretResult>> CreateAsync(long adminId, WebhookEndpointRequest request, CancellationToken ct)
    {
        if (CheckUrl(request.Url) is { } badUrl)
        {
            return badUrl;
        }
        if (request.Secret is not null && CheckSecret(request.Secret) is { } badSecret)
        {
            return badSecret;
        }
        if (request.Events is null or { Count: 0 })
        {
            return ApiError.Validation("events is required: a list of event types, or [\"*\"] for all");
        }
        if (CheckEvents(request.Events, out var events) is { } badEvents)
        {
            return badEvents;
        }
        if (CheckDescription(request.Description) is { } badDescription)
        {
            return badDescription;
        }
        var secret = request.Secret ?? WebhookSignature.NewSecret();
        var endpoint = await store.InsertEndpointAsync(request.Url!, request.Description ?? "", secret, events, request.Enabled ?? true, adminId, Now, ct);
        Log.Registered(logger, endpoint.Id, adminId);
        return new WebhookSecretResult(View(endpoint), secret, null);
    }

    public async Task<WebhookEndpointList> ListAsync(CancellationToken ct) =>
        new((await store.ListEndpointsAsync(ct)).Select(View).ToList());

    public async Task<Result<WebhookEndpointView>> GetAsync(long id, CancellationToken ct) =>
        await store.FindEndpointAsync(id, ct) is { } endpoint ? View(endpoint) : NotFound();

    public async Task<Result<WebhookEndpointView>> UpdateAsync(long adminId, long id, WebhookEndpointRequest request, CancellationToken ct)
    {
        if (request.Secret is not null)
        {
            return ApiError.Validation("the secret is changed only by POST /api/v1/admin/webhooks/{id}/rotate-secret");
        }
        var current = await store.FindEndpointAsync(id, ct);
        if (current is null)
        {
            return NotFound();
        }
        var events = current.Events;
        var problem = (request.Url is null ? null : CheckUrl(request.Url))
            ?? (request.Events is null ? null : request.Events.Count == 0 ? ApiError.Validation("events must name at least one event type") : CheckEvents(request.Events, out events))
            ?? CheckDescription(request.Description);
        if (problem is not null)
        {
            return problem;
        }
        var updated = await store.UpdateEndpointAsync(id, request.Url ?? current.Url, request.Description ?? current.Description, events,
            request.Enabled ?? current.Enabled, Now, ct);
        if (updated is null)
        {
            return NotFound();
        }
        Log.Changed(logger, id, adminId);
        return View(updated);
    }

    public async Task<Result<WebhookSecretResult>> RotateSecretAsync(long adminId, long id, RotateWebhookSecretRequest? request, CancellationToken ct)
    {
        if (request?.Secret is { } given && CheckSecret(given) is { } bad)
        {
            return bad;
        }
        var secret = request?.Secret ?? WebhookSignature.NewSecret();
        var previousUntil = time.GetUtcNow().AddSeconds(options.Value.PreviousSecretGraceSeconds);
        var rotated = await store.RotateSecretAsync(id, secret, previousUntil.ToUnixTimeMilliseconds(), Now, ct);
        if (rotated is null)
        {
            return NotFound();
        }
        Log.Rotated(logger, id, adminId);
        return new WebhookSecretResult(View(rotated), secret, previousUntil);
    }

    public async Task<Result<Nothing>> DeleteAsync(long adminId, long id, CancellationToken ct)
    {
        if (!await store.DeleteEndpointAsync(id, Now, ct))
        {
            return NotFound();
        }
        Log.Deleted(logger, id, adminId);
        return default(Nothing);
    }

    public async Task<Result<WebhookDeliveryList>> DeliveriesAsync(long id, int? limit, CancellationToken ct)
    {
        var count = limit ?? DefaultDeliveryLimit;
        if (count is < 1 or > MaxDeliveryLimit)
        {
            return ApiError.Validation($"limit must be between 1 and {MaxDeliveryLimit}");
        }
        if (await store.FindEndpointAsync(id, ct) is null)
        {
            return NotFound();
        }
        var rows = await store.ListDeliveriesAsync(id, count, ct);
        var counts = await store.CountDeliveriesAsync(id, ct);
        return new WebhookDeliveryList(rows.Select(d => new WebhookDeliveryView(
            d.Id, d.EventId, d.EventType, d.OrderKey == 0 ? null : d.OrderKey, d.State, d.Attempts, d.LastStatus, d.LastError, d.LastLatencyMs,
            Time(d.CreatedAt), d.NextAttemptAt is { } next ? Time(next) : null,
            d.FinishedAt is { } f ? Time(f) : null)).ToList(),
            new WebhookDeliveryCounts(counts.GetValueOrDefault(WebhookDeliveryStates.Pending), counts.GetValueOrDefault(WebhookDeliveryStates.Delivered),
                counts.GetValueOrDefault(WebhookDeliveryStates.Failed)));
    }

    private ApiError? CheckUrl(string? url) =>
        WebhookAddressPolicy.CheckUrl(url, options.Value.AllowPrivateNetworks, out _) is { } problem
            ? ApiError.Validation(problem) with { Code = ErrorCodes.WebhookUrlRejected }
            : null;

    private static ApiError? CheckSecret(string secret) =>
        secret.Length is < MinSecretLength or > MaxSecretLength || secret.Any(char.IsControl)
            ? ApiError.Validation($"secret must be {MinSecretLength} to {MaxSecretLength} printable characters (omit it to have one generated)") with { Code = ErrorCodes.WebhookSecretRejected }
            : null;

    /// <summary>Validates the filter and answers it as stored: "*" or the known types, comma-separated, each once.</summary>
    private static ApiError? CheckEvents(IReadOnlyList<string> requested, out string stored)
    {
        stored = "";
        var names = new List<string>();
        foreach (var name in requested)
        {
            if (name == WebhookEventTypes.Wildcard)
            {
                if (requested.Count != 1)
                {
                    return ApiError.Validation("\"*\" takes every event type and cannot be combined with others") with { Code = ErrorCodes.WebhookUnknownEvent };
                }
                stored = WebhookEventTypes.Wildcard;
                return null;
            }
            if (name is null || !WebhookEventTypes.All.Contains(name))
            {
                return ApiError.Validation($"unknown event type '{Shorten(name)}'; known: {string.Join(", ", WebhookEventTypes.All.Order(StringComparer.Ordinal))}")
                    with { Code = ErrorCodes.WebhookUnknownEvent };
            }
            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }
        stored = string.Join(',', names);
        return null;
    }

    private static ApiError? CheckDescription(string? description) =>
        description is { Length: > MaxDescriptionLength } ? ApiError.Validation($"description must be at most {MaxDescriptionLength} characters") : null;

    private static string Shorten(string? text) => text is null ? "null" : text.Length <= 40 ? text : text[..40] + "…";

    private static WebhookEndpointView View(WebhookEndpointRecord e) =>
        new(e.Id, e.Url, e.EventList, e.Enabled, e.Description, e.CreatedBy, Time(e.CreatedAt), Time(e.UpdatedAt),
            e.SecretRotatedAt is { } r ? Time(r) : null);

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static ApiError NotFound() => ApiError.NotFound(ErrorCodes.WebhookNotFound, "No webhook endpoint with that id.");

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Webhook endpoint {EndpointId} registered by user {UserId}")]
        public static partial void Registered(ILogger logger, long endpointId, long userId);

        [LoggerMessage(2, LogLevel.Information, "Webhook endpoint {EndpointId} changed by user {UserId}")]
        public static partial void Changed(ILogger logger, long endpointId, long userId);

        [LoggerMessage(3, LogLevel.Information, "Webhook endpoint {EndpointId}: secret rotated by user {UserId}")]
        public static partial void Rotated(ILogger logger, long endpointId, long userId);

        [LoggerMessage(4, LogLevel.Information, "Webhook endpoint {EndpointId} deleted by user {UserId}")]
        public static partial void Deleted(ILogger logger, long endpointId, long userId);
    }
}
