using WeCompany.Server.Signaling;

namespace WeCompany.Server.Meetings;

/// <summary>
/// The meetings feature's answers to signaling (<see cref="IMeetingDirectory"/>): who may hold a socket in a
/// meeting's room and as whom, their ICE servers, and the mute and leave state signaling reports back.
/// </summary>
public sealed class MeetingDirectory(MeetingService meetings, ParticipantStore participants) : IMeetingDirectory
{
    public async Task<MeetingAdmission> AdmitAsync(long meetingId, long userId, CancellationToken cancellationToken)
    {
        var meeting = await meetings.GetAsync(meetingId, cancellationToken);
        if (meeting is null)
        {
            return MeetingAdmission.Refused(AdmissionStatus.MeetingNotFound);
        }
        if (meeting.Status == MeetingStatus.Ended)
        {
            return MeetingAdmission.Refused(AdmissionStatus.MeetingEnded);
        }
        var participant = await participants.FindAsync(meetingId, userId, cancellationToken);
        if (participant is null)
        {
            return MeetingAdmission.Refused(AdmissionStatus.NotJoined);
        }
        if (participant.KickedAt is not null)
        {
            return MeetingAdmission.Refused(AdmissionStatus.Kicked);
        }
        if (participant.LeftAt is not null)
        {
            return MeetingAdmission.Refused(AdmissionStatus.NotJoined);
        }
        var view = ParticipantView.From(participant);
        // Participants share freely unless the meeting's setting asks for a grant; audience never (the permission table).
        return new MeetingAdmission(AdmissionStatus.Admitted, view.Role, view.Username,
            string.IsNullOrEmpty(view.FullName) ? view.Username : view.FullName, ScreenShareNeedsGrant: meeting.Settings.ScreenShareRequiresGrant);
    }

    public async Task<MeetingRole?> GetRoleAsync(long meetingId, long userId, CancellationToken cancellationToken) =>
        (await meetings.GetActiveParticipantAsync(meetingId, userId, cancellationToken))?.Role;

    public Task<IReadOnlyList<Protocol.Rest.IceServer>> GetIceServersAsync(long meetingId, long userId, CancellationToken cancellationToken) =>
        Task.FromResult(meetings.IceServers(userId));

    public Task SetMutedAsync(long meetingId, long userId, string mediaType, bool muted, CancellationToken cancellationToken) =>
        meetings.SetMutedAsync(meetingId, userId, mediaType, muted, cancellationToken);

    public async Task LeaveAsync(long meetingId, long userId, CancellationToken cancellationToken) =>
        await meetings.LeaveAsync(meetingId, userId, cancellationToken);
}
