using WeCompany.Protocol.Signaling;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Signaling;

/// <summary>Why the directory refused a user a place in a meeting's signaling room.</summary>
public enum AdmissionStatus
{
    Admitted,
    MeetingNotFound,
    MeetingEnded,
    /// <summary>The user has not joined the meeting through REST (or has left it).</summary>
    NotJoined,
    Kicked,
}

/// <summary>
/// The directory's answer for (meeting, user): the status and, when admitted, who the user is in the
/// meeting. <see cref="ScreenShareNeedsGrant"/> is the meeting's setting "participants need a grant to share".
/// </summary>
public sealed record MeetingAdmission(
    AdmissionStatus Status,
    MeetingRole Role = MeetingRole.Audience,
    string Username = "",
    string DisplayName = "",
    bool ScreenShareNeedsGrant = false)
{
    public static MeetingAdmission Refused(AdmissionStatus status) => new(status);
}

/// <summary>
/// Everything signaling needs from the meetings feature, and nothing more: admission, ICE servers,
/// current role, and recording mute state and departures. The meetings feature implements it over its
/// service (MeetingService); signaling never reads the meetings tables itself. Implementations are
/// thread-safe and called concurrently.
/// </summary>
public interface IMeetingDirectory
{
    /// <summary>Is <paramref name="userId"/> an active participant of the meeting, and as whom?</summary>
    Task<MeetingAdmission> AdmitAsync(long meetingId, long userId, CancellationToken cancellationToken);

    /// <summary>The user's current role, or null when they are no longer an active participant.</summary>
    Task<MeetingRole?> GetRoleAsync(long meetingId, long userId, CancellationToken cancellationToken);

    /// <summary>STUN/TURN servers for this user (TURN credentials are per user and time-limited).</summary>
    Task<IReadOnlyList<WeCompany.Protocol.Rest.IceServer>> GetIceServersAsync(long meetingId, long userId, CancellationToken cancellationToken);

    /// <summary>Records the participant's mute state for <paramref name="mediaType"/> ("audio" or "video").</summary>
    Task SetMutedAsync(long meetingId, long userId, string mediaType, bool muted, CancellationToken cancellationToken);

    /// <summary>Records that the participant left (leave-room, or the resume grace period ran out).</summary>
    Task LeaveAsync(long meetingId, long userId, CancellationToken cancellationToken);
}
