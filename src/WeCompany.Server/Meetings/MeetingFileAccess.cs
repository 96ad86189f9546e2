using WeCompany.Server.Files;

namespace WeCompany.Server.Meetings;

/// <summary>
/// Answers the files feature's one question from the meetings store: the host, anyone who joined and was not
/// kicked (including those who have since left — they keep access to what was shared while they were there),
/// or nobody.
/// </summary>
public sealed class MeetingFileAccess(MeetingStore meetings, ParticipantStore participants) : IMeetingAccess
{
    public async Task<MeetingAccess> GetAccessAsync(long meetingId, long userId, CancellationToken cancellationToken)
    {
        var meeting = await meetings.FindByIdAsync(meetingId, cancellationToken);
        if (meeting is null)
        {
            return MeetingAccess.MeetingNotFound;
        }
        if (meeting.HostId == userId)
        {
            return MeetingAccess.Host;
        }
        var participant = await participants.FindAsync(meetingId, userId, cancellationToken);
        return participant is { KickedAt: null } ? MeetingAccess.Participant : MeetingAccess.NotParticipant;
    }
}
