using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Meetings;

/// <summary>A meeting's lifecycle: scheduled → active (first join) → ended (host ends it, or empty too long).</summary>
public enum MeetingStatus
{
    Scheduled,
    Active,
    Ended,
}

/// <summary>A meeting as other features see it (signaling's room-info, files, speech).</summary>
public sealed record MeetingView(
    long MeetingId,
    string MeetingCode,
    string Title,
    string Description,
    long HostId,
    string HostName,
    DateTimeOffset StartTime,
    int DurationMinutes,
    int MaxParticipants,
    bool IsPublic,
    MeetingSettings Settings,
    MeetingStatus Status,
    int ParticipantCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt)
{
    internal static MeetingView From(MeetingRecord m) => new(
        m.Id, m.Code, m.Title, m.Description, m.HostId, m.HostName, Time(m.StartTime), m.DurationMinutes, m.MaxParticipants, m.IsPublic,
        new MeetingSettings(m.EnableRecording, m.EnableAiAnalysis, m.RequirePassword, m.ScreenShareRequiresGrant), ParseStatus(m.Status),
        m.Status == MeetingStatuses.Active ? m.PresentCount : 0, Time(m.CreatedAt),
        m.StartedAt is { } s ? Time(s) : null, m.EndedAt is { } e ? Time(e) : null);

    internal static MeetingStatus ParseStatus(string status) => status switch
    {
        MeetingStatuses.Active => MeetingStatus.Active,
        MeetingStatuses.Ended => MeetingStatus.Ended,
        _ => MeetingStatus.Scheduled,
    };

    internal static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}

/// <summary>A participant present in a meeting, as other features see them.</summary>
public sealed record ParticipantView(
    long ParticipantId,
    long MeetingId,
    long UserId,
    string Username,
    string FullName,
    MeetingRole Role,
    DateTimeOffset JoinedAt,
    bool AudioMuted,
    bool VideoMuted)
{
    internal static ParticipantView From(ParticipantRecord p) => new(
        p.Id, p.MeetingId, p.UserId, p.Username, p.FullName, p.ParsedRole, MeetingView.Time(p.JoinedAt), p.AudioMuted, p.VideoMuted);

    public ParticipantInfo ToWire() => new(ParticipantId, UserId, Username, FullName, Role.ToWire(), JoinedAt, AudioMuted, VideoMuted);
}
