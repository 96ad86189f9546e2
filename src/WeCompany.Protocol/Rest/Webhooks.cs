namespace WeCompany.Protocol.Rest;

/// <summary>
/// POST /api/v1/admin/webhooks: register an endpoint. PUT /api/v1/admin/webhooks/{id} takes the same fields, each
/// optional (absent keeps the stored value; the secret is changed only by the rotate call).
/// </summary>
/// <param name="Url">Where events are POSTed: an absolute http or https URL without user name or password.</param>
/// <param name="Secret">The signing secret (24 to 256 characters); absent on create: the server generates one.</param>
/// <param name="Events">Event types wanted (docs/webhooks.md lists them), or ["*"] for every type.</param>
/// <param name="Enabled">False keeps the endpoint registered but sends it nothing (default true).</param>
/// <param name="Description">Free text for the administrators (at most 200 characters).</param>
public sealed record WebhookEndpointRequest(string? Url, string? Secret, IReadOnlyList<string>? Events, bool? Enabled, string? Description);

/// <summary>One registered endpoint, as listed (never with its secret).</summary>
/// <param name="WebhookId">The endpoint's id.</param>
/// <param name="Url">Where events are POSTed.</param>
/// <param name="Events">The event types it receives (["*"]: all).</param>
/// <param name="Enabled">Whether events are sent to it now.</param>
/// <param name="Description">The administrators' note.</param>
/// <param name="CreatedBy">The administrator who registered it.</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="UpdatedAt">When it was last changed (URL, events, enabled or secret).</param>
/// <param name="SecretRotatedAt">When the secret was last rotated; null if never.</param>
public sealed record WebhookEndpointView(
    long WebhookId,
    string Url,
    IReadOnlyList<string> Events,
    bool Enabled,
    string Description,
    long CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? SecretRotatedAt);

/// <summary>The answer to create and rotate: the endpoint and its secret, shown this once.</summary>
/// <param name="Webhook">The endpoint.</param>
/// <param name="Secret">The signing secret now in force.</param>
/// <param name="PreviousSecretValidUntil">After a rotation: until when requests also carry a signature made with the old secret.</param>
public sealed record WebhookSecretResult(WebhookEndpointView Webhook, string Secret, DateTimeOffset? PreviousSecretValidUntil);

/// <summary>GET /api/v1/admin/webhooks.</summary>
/// <param name="Webhooks">Every registered endpoint, oldest first.</param>
public sealed record WebhookEndpointList(IReadOnlyList<WebhookEndpointView> Webhooks);

/// <summary>POST /api/v1/admin/webhooks/{id}/rotate-secret: a new secret (absent: generated).</summary>
/// <param name="Secret">The new secret (24 to 256 characters), or absent.</param>
public sealed record RotateWebhookSecretRequest(string? Secret);

/// <summary>One event's delivery to one endpoint.</summary>
/// <param name="DeliveryId">The delivery's id.</param>
/// <param name="EventId">The event's id (the requests' Webhook-Id and Idempotency-Key).</param>
/// <param name="EventType">e.g. participant.joined.</param>
/// <param name="MeetingId">The meeting the event concerns; null when none.</param>
/// <param name="State">pending (not yet sent, being sent or waiting to retry), delivered or failed (gave up).</param>
/// <param name="Attempts">Requests made so far.</param>
/// <param name="LastStatus">The HTTP status of the last attempt; null when it got no answer.</param>
/// <param name="LastError">Why the last attempt failed (at most 300 characters); null after success.</param>
/// <param name="LatencyMs">How long the last attempt took, in milliseconds.</param>
/// <param name="CreatedAt">When the change the event reports was committed.</param>
/// <param name="NextAttemptAt">When a pending delivery is tried next.</param>
/// <param name="FinishedAt">When it was delivered or given up.</param>
public sealed record WebhookDeliveryView(
    long DeliveryId,
    string EventId,
    string EventType,
    long? MeetingId,
    string State,
    int Attempts,
    int? LastStatus,
    string? LastError,
    int? LatencyMs,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? FinishedAt);

/// <summary>GET /api/v1/admin/webhooks/{id}/deliveries?limit=: the newest deliveries first, and how many are in each state.</summary>
/// <param name="Deliveries">Up to <c>limit</c> (default 50, at most 200) deliveries.</param>
/// <param name="Counts">All of the endpoint's kept deliveries by state (delivered and failed ones are kept Webhooks:RetentionDays).</param>
public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDeliveryView> Deliveries, WebhookDeliveryCounts Counts);

/// <summary>Deliveries of one endpoint by state.</summary>
/// <param name="Pending">Not yet delivered: waiting, being sent, or waiting to retry.</param>
/// <param name="Delivered">Answered 2xx.</param>
/// <param name="Failed">Given up after the last attempt.</param>
public sealed record WebhookDeliveryCounts(long Pending, long Delivered, long Failed);
