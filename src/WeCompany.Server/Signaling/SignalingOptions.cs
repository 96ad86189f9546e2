using System.ComponentModel.DataAnnotations;

namespace WeCompany.Server.Signaling;

/// <summary>The signaling socket's limits. Section "Signaling".</summary>
public sealed class SignalingOptions
{
    /// <summary>64 KiB: larger than any SDP offer we have seen plus the envelope; a chat of 4,000 characters is under 16 KiB.</summary>
    [Range(1024, 16 << 20)]
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Sustained messages per second per connection: trickled ICE at call setup peaks near 20/s.</summary>
    [Range(1, 1_000_000)]
    public double MessagesPerSecond { get; set; } = 30;

    /// <summary>Token bucket depth: a burst of candidates and a chat at once fit.</summary>
    [Range(1, 1_000_000)]
    public int MessageBurst { get; set; } = 100;

    /// <summary>Frames queued for one socket before it counts as a slow consumer: ~10 s of a busy room's chat.</summary>
    [Range(1, 1_000_000)]
    public int SendQueueCapacity { get; set; } = 512;

    /// <summary>Specification "心跳机制": no message for 60 s closes the socket (clients ping every 30 s).</summary>
    [Range(1, 86_400)]
    public int IdleTimeoutSeconds { get; set; } = 60;

    /// <summary>A dropped client reconnecting with the same peer_id within this many seconds resumes its session (clients retry after 3 s).</summary>
    [Range(0, 3_600)]
    public int ResumeGraceSeconds { get; set; } = 15;

    /// <summary>How often idle sockets and expired grace periods are looked for.</summary>
    [Range(10, 60_000)]
    public int SweepIntervalMilliseconds { get; set; } = 1000;

    /// <summary>Rooms one node hosts at most: beyond this a node should shed meetings to its peers.</summary>
    [Range(1, 10_000_000)]
    public int MaxRoomsPerNode { get; set; } = 10_000;

    /// <summary>Specification: chat content up to 4,000 characters.</summary>
    [Range(1, 1_000_000)]
    public int MaxChatChars { get; set; } = 4000;

    /// <summary>Largest page of chat history: keeps the answer under the ETag buffer (256 KiB) for typical messages.</summary>
    [Range(1, 10_000)]
    public int MaxHistoryPage { get; set; } = 200;

    /// <summary>Seconds the server waits for a close handshake before dropping the TCP connection.</summary>
    [Range(1, 600)]
    public int CloseTimeoutSeconds { get; set; } = 5;
}
