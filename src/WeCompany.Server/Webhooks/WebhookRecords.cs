namespace WeCompany.Server.Webhooks;

/// <summary>A row of webhook_endpoints (times are Unix milliseconds).</summary>
public sealed class WebhookEndpointRecord
{
    public long Id { get; init; }
    public string Url { get; init; } = "";
    public string Description { get; init; } = "";
    public string Secret { get; init; } = "";
    public string? PreviousSecret { get; init; }
    public long? PreviousSecretUntil { get; init; }
    public long? SecretRotatedAt { get; init; }
    public string Events { get; init; } = "";
    public bool Enabled { get; init; }
    public long CreatedBy { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }

    public IReadOnlyList<string> EventList => Events.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>A row of webhook_deliveries as the admin view shows it.</summary>
public sealed class WebhookDeliveryRecord
{
    public long Id { get; init; }
    public string EventId { get; init; } = "";
    public string EventType { get; init; } = "";
    public long OrderKey { get; init; }
    public string State { get; init; } = "";
    public int Attempts { get; init; }
    public long? NextAttemptAt { get; init; }
    public int? LastStatus { get; init; }
    public string? LastError { get; init; }
    public int? LastLatencyMs { get; init; }
    public long CreatedAt { get; init; }
    public long? FinishedAt { get; init; }
}

/// <summary>What became of one leased delivery: delivered, failed for good (<see cref="NextAttemptAt"/> null), or to be retried then.</summary>
public sealed record DeliveryOutcome(long Id, bool Delivered, int? Status, string? Error, int LatencyMs, long? NextAttemptAt);

/// <summary>A delivery this node has leased and is about to send.</summary>
public sealed class ClaimedDelivery
{
    public long Id { get; init; }
    public string EventId { get; init; } = "";
    public string Body { get; init; } = "";
    public int Attempts { get; init; }
    public long CreatedAt { get; init; }
}

/// <summary>The states of a delivery row.</summary>
public static class WebhookDeliveryStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}
