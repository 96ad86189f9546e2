using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;

namespace WeCompany.Server.Cluster;

/// <summary>Section "Cluster": this node's identity, its heartbeat, the bus limits and the drain budget.</summary>
public sealed class ClusterOptions : IValidatableObject
{
    /// <summary>
    /// This node's id: in the node table, on the bus, in presence and in the X-WeCompany-Node header. Empty: the
    /// machine name plus a short random suffix, picked once when the options are first read (stable for the process).
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._-]{0,48}$")]
    public string NodeId { get; set; } = "";

    // Often enough that a dead node is noticed within NodeTimeoutSeconds, rarely enough to cost nothing.
    [Range(0.2, 300)]
    public double HeartbeatSeconds { get; set; } = 5;

    // Three missed heartbeats: one slow write is not a death.
    [Range(0.5, 3600)]
    public double NodeTimeoutSeconds { get; set; } = 15;

    // How long a draining node waits for its clients to leave before it exits anyway.
    [Range(0, 3600)]
    public double DrainTimeoutSeconds { get; set; } = 30;

    // Outgoing bus messages waiting for PostgreSQL; beyond it media is dropped and control waits, up to as many
    // again; control beyond that fails and is counted (wecompany_cluster_bus_publish_failures_total).
    [Range(16, 1_000_000)]
    public int MaxQueuedMessages { get; set; } = 8192;

    // NOTIFY payloads must stay under 8000 bytes (PostgreSQL's default limit); larger ones go through cluster_messages.
    [Range(256, 7900)]
    public int MaxNotifyBytes { get; set; } = 7000;

    // Every control message is kept this long for a listener that reconnects to read back (and a publish is retried
    // this long at most): a minute covers a PostgreSQL restart or a network blip; a listener away longer may miss messages.
    [Range(5, 86400)]
    public double MessageRetentionSeconds { get; set; } = 60;

    /// <summary>The node's own URL as recorded in cluster_nodes (for operators); empty: Http:PublicUrl.</summary>
    public string? HttpUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A timeout under two heartbeats would have nodes take each other for dead between beats.
        if (NodeTimeoutSeconds < 2 * HeartbeatSeconds)
        {
            yield return new ValidationResult("Cluster:NodeTimeoutSeconds must be at least twice Cluster:HeartbeatSeconds.", [nameof(NodeTimeoutSeconds)]);
        }
    }

    internal static string GenerateNodeId()
    {
        var host = new string(Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_').Take(40).ToArray());
        return (host.Length == 0 ? "node" : host.ToLowerInvariant()) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    }
}
