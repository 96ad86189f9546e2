using System.ComponentModel.DataAnnotations;

namespace WeCompany.Server.Webhooks;

/// <summary>Section "Webhooks": the delivery worker's limits and the outgoing-request safety rules (docs/webhooks.md).</summary>
public sealed class WebhookOptions
{
    /// <summary>False: this node sends no webhooks (events are still written to the outbox; another node may send them).</summary>
    public bool DeliveryEnabled { get; set; } = true;

    /// <summary>
    /// Whether endpoints may be on loopback, private, link-local or other non-public addresses. Off by default: an
    /// administrator's URL must not become a way into the server's own network (SSRF). Turn on for receivers on the
    /// company's internal network.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    // A receiver that has not answered in 10 s is treated as down: long enough for a slow one, short enough that
    // its lease (below) and the retry schedule stay meaningful.
    [Range(0.1, 120)]
    public double RequestTimeoutSeconds { get; set; } = 10;

    // Requests in flight to one endpoint from this node (never more than one per meeting: a meeting's events go in
    // order). A request slot turns over once per worker round (tens of milliseconds under load), so 32 keep up with
    // well over 500 events/s; 8 managed about 250/s in the benchmark (docs/benchmarks.md).
    [Range(1, 256)]
    public int MaxConcurrentPerEndpoint { get; set; } = 32;

    // The retry schedule: 1 s, doubling, with jitter, up to 1 h; after MaxAttempts attempts the delivery is failed.
    [Range(0.01, 3600)]
    public double RetryInitialSeconds { get; set; } = 1;

    [Range(0.01, 86400)]
    public double RetryMaxSeconds { get; set; } = 3600;

    // 14 attempts: retries after 1, 2, 4 … 2048 s, then 3600 s; about two hours in all.
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 14;

    // How often the worker looks for due retries and for deliveries whose sender died (a change committed on this
    // node wakes it at once).
    [Range(0.02, 60)]
    public double PollSeconds { get; set; } = 1;

    // After a wake, the worker waits this long before its round so that events committed right after join it: at
    // 500 events/s a round then covers about five of them in one store commit, for 10 ms of latency.
    [Range(0, 1000)]
    public double GatherMilliseconds { get; set; } = 10;

    // After a rotation, requests carry a signature with the old secret too for this long, so receivers can switch.
    [Range(0, 30 * 86400)]
    public double PreviousSecretGraceSeconds { get; set; } = 86400;

    // Delivered and failed rows are kept this long for the deliveries view, then deleted.
    [Range(0.001, 3650)]
    public double RetentionDays { get; set; } = 7;
}
