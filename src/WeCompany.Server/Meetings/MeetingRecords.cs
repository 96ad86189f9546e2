namespace WeCompany.Server.Meetings;

/// <summary>A meeting row with its host's display name (settable properties: Dapper converts SQLite's integer booleans).</summary>
public sealed class MeetingRecord
{
    public long Id { get; init; }
    public string Code { get; init; } = "";
    public string Title { get; init; } = "";
    public string Description { get; init; } = "";
    public long HostId { get; init; }
    public string HostName { get; init; } = "";
    public long StartTime { get; init; }
    public int DurationMinutes { get; init; }
    public int MaxParticipants { get; init; }
    public bool IsPublic { get; init; }
    public bool EnableRecording { get; init; }
    public bool EnableAiAnalysis { get; init; }
    public bool RequirePassword { get; init; }
    public bool ScreenShareRequiresGrant { get; init; }
    public string? PasswordHash { get; init; }
    public string Status { get; init; } = MeetingStatuses.Scheduled;
    public int SeatsTaken { get; init; }
    public int AudienceTaken { get; init; }
    public int PresentCount { get; init; }
    public long? StartedAt { get; init; }
    public long? EndedAt { get; init; }
    public long? EmptySince { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }
}

/// <summary>A participant row with the user's names.</summary>
public sealed class ParticipantRecord
{
    public long Id { get; init; }
    public long MeetingId { get; init; }
    public long UserId { get; init; }
    public string Username { get; init; } = "";
    public string FullName { get; init; } = "";
    public string Role { get; init; } = "";
    public long JoinedAt { get; init; }
    public long? LeftAt { get; init; }
    public long? KickedAt { get; init; }
    public bool AudioMuted { get; init; }
    public bool VideoMuted { get; init; }

    public bool IsPresent => LeftAt is null && KickedAt is null;

    public MeetingRole ParsedRole => MeetingRoles.TryParse(Role, out var role) ? role : MeetingRole.Audience;
}

/// <summary>What a join checks, read in one query: the meeting's state and the user's participant row, if any.</summary>
public sealed class JoinProbe
{
    public string Status { get; init; } = MeetingStatuses.Scheduled;
    public long HostId { get; init; }
    public bool RequirePassword { get; init; }
    public string? PasswordHash { get; init; }
    public long? ParticipantId { get; init; }
    public string? ParticipantRole { get; init; }
    public long? LeftAt { get; init; }
    public long? KickedAt { get; init; }
}

/// <summary>The fields a create or update writes.</summary>
public sealed record MeetingFields(
    string Title,
    string Description,
    long StartTime,
    int DurationMinutes,
    int MaxParticipants,
    bool IsPublic,
    bool EnableRecording,
    bool EnableAiAnalysis,
    bool RequirePassword,
    string? PasswordHash,
    bool ScreenShareRequiresGrant);

/// <summary>The stored status names, as on the wire.</summary>
public static class MeetingStatuses
{
    public const string Scheduled = "scheduled";
    public const string Active = "active";
    public const string Ended = "ended";

    public static bool IsKnown(string? status) => status is Scheduled or Active or Ended;
}

/// <summary>What a join attempt came to.</summary>
public enum JoinOutcome
{
    Joined,
    AlreadyIn,
    NotFound,
    Ended,
    Full,
    Kicked,
}

/// <summary>What a role change came to.</summary>
public enum RoleChangeOutcome
{
    Changed,
    NotFound,
    Full,
}
