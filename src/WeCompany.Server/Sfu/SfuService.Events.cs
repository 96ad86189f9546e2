using WeCompany.Server.Meetings;

namespace WeCompany.Server.Sfu;

public sealed partial class SfuService
{
    private IDisposable? _subscription;

    // Moderation reaches the media path: a host mute drops audio at the SFU whatever the client does; a demotion
    // to the audience stops forwarding what the user published; the meeting's end closes every peer.
    private async ValueTask OnMeetingEventAsync(MeetingEvent meetingEvent, CancellationToken cancellationToken)
    {
        switch (meetingEvent)
        {
            case ParticipantMuted { MediaType: "audio" } muted:
                SetAudioMuted(muted.MeetingId, muted.UserId, true);
                break;
            case AllMuted all:
                MuteAll(all.MeetingId, all.ByUserId);
                break;
            case RoleChanged { Role: MeetingRole.Audience } demoted:
                await StopPublishingAsync(demoted.MeetingId, demoted.UserId, cancellationToken);
                break;
            case ParticipantKicked kicked:
                await CloseUserAsync(kicked.MeetingId, kicked.UserId, cancellationToken);
                break;
            case MeetingEnded ended:
                await CloseUserAsync(ended.MeetingId, userId: null, cancellationToken);
                break;
        }
    }

    /// <summary>The user may no longer publish: their tracks stop being forwarded and the others renegotiate.</summary>
    public async Task StopPublishingAsync(long meetingId, long userId, CancellationToken cancellationToken)
    {
        if (!_rooms.TryGetValue(meetingId, out var room))
        {
            return;
        }

        foreach (var participant in room.Snapshot().Where(p => p.UserId == userId))
        {
            await participant.Gate.WaitAsync(cancellationToken);
            try
            {
                participant.MayPublish = false;
                foreach (var section in participant.Sections.Where(s => s.Published is not null))
                {
                    lock (room.Gate)
                    {
                        room.Tracks.Remove(participant.PeerId + "-" + section.Mid);
                    }

                    participant.Peer.RemovePublishedTrack(section.Published!);
                    section.Published = null;
                }
            }
            finally
            {
                participant.Gate.Release();
            }
        }

        await SyncRoomAsync(room, cancellationToken);
    }

    private async Task CloseUserAsync(long meetingId, long? userId, CancellationToken cancellationToken)
    {
        if (!_rooms.TryGetValue(meetingId, out var room))
        {
            return;
        }

        foreach (var participant in room.Snapshot().Where(p => userId is null || p.UserId == userId))
        {
            await PeerLeftAsync(meetingId, participant.UserId, participant.PeerId, cancellationToken);
        }
    }
}
