using System.ComponentModel.DataAnnotations;

namespace WeCompany.Server.Meetings;

/// <summary>Meeting limits, lifecycle timing and STUN servers. Section "Meetings".</summary>
public sealed class MeetingsOptions
{
    /// <summary>Highest max_participants a meeting may ask for: 500 speakers is beyond what one SFU node forwards well.</summary>
    [Range(1, 100_000)]
    public int MaxParticipantsCap { get; set; } = 500;

    /// <summary>Audience members (watch-only) per meeting: they only receive, so far more fit than speakers.</summary>
    [Range(0, 1_000_000)]
    public int MaxAudience { get; set; } = 1000;

    /// <summary>An active meeting left empty this long is ended by the sweeper: 10 minutes covers a host's reconnect or a break.</summary>
    [Range(1, 7 * 86400)]
    public int EmptyMeetingEndSeconds { get; set; } = 600;

    /// <summary>How often the sweeper looks for empty meetings: 30 s keeps the end time within half a minute.</summary>
    [Range(1, 3600)]
    public int SweepIntervalSeconds { get; set; } = 30;

    /// <summary>Lifetime of the session token join answers: long enough to open the socket and reconnect; join again for another.</summary>
    [Range(30, 86400)]
    public int SessionTokenSeconds { get; set; } = 900;

    /// <summary>Longest meeting duration in minutes: the specification's meetings are at most a day.</summary>
    [Range(1, 7 * 24 * 60)]
    public int MaxDurationMinutes { get; set; } = 24 * 60;

    /// <summary>Start times this far in the past are still accepted (clients' clocks drift and forms take time to submit).</summary>
    [Range(0, 3600)]
    public int StartTimeGraceSeconds { get; set; } = 60;

    /// <summary>
    /// How long a meeting list page may be answered from memory, in milliseconds: the staleness a write made on another
    /// cluster node may show with (writes on this node show at once). 1 s: a list is a glance, not a live view.
    /// </summary>
    [Range(0, 60_000)]
    public int ListCacheMilliseconds { get; set; } = 1000;

    /// <summary>STUN (or static TURN) servers handed to every participant, e.g. { "Urls": ["stun:stun.example.com:3478"] }.</summary>
    public List<IceServerOptions> IceServers { get; set; } = [];
}

/// <summary>One configured ICE server.</summary>
public sealed class IceServerOptions
{
    [Required]
    [MinLength(1)]
    public string[] Urls { get; set; } = [];

    public string? Username { get; set; }

    public string? Credential { get; set; }
}

/// <summary>
/// coturn with <c>use-auth-secret</c>. Section "Turn". Empty <see cref="Urls"/> or <see cref="Secret"/>:
/// no TURN server is handed out.
/// </summary>
public sealed class TurnOptions
{
    /// <summary>TURN URLs, e.g. "turn:turn.example.com:3478?transport=udp".</summary>
    public string[] Urls { get; set; } = [];

    /// <summary>coturn's static-auth-secret. Never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>How long a credential stays valid: 24 h, the lifetime the TURN REST draft suggests, outlasts any meeting.</summary>
    [Range(60, 7 * 86400)]
    public int CredentialSeconds { get; set; } = 86400;
}
