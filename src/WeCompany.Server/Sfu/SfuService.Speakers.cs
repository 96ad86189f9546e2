using WeCompany.Media.Forwarding;

namespace WeCompany.Server.Sfu;

public sealed partial class SfuService
{
    private const int MediaControlType = 10;

    // RFC 6464 levels are -dBov: 127 is silence; quieter than -80 dBov is taken as nobody speaking.
    private const int SpeakingThreshold = 80;

    // Looks for the loudest unmuted microphone in each room a few times a second and announces a change, at most
    // once per ActiveSpeakerIntervalMs per room.
    private async Task SpeakerLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                foreach (var room in _rooms.Values)
                {
                    AnnounceSpeaker(room);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void AnnounceSpeaker(SfuRoom room)
    {
        SfuParticipant? loudest = null;
        var loudestLevel = SpeakingThreshold;
        foreach (var participant in room.Snapshot())
        {
            foreach (var track in participant.Peer.PublishedTracks)
            {
                if (track.Kind == MediaKind.Audio && !track.Muted && track.AudioLevel < loudestLevel)
                {
                    loudest = participant;
                    loudestLevel = track.AudioLevel;
                }
            }
        }

        if (loudest is null || loudest.UserId == room.ActiveSpeaker
            || _time.GetElapsedTime(room.LastSpeakerNotice) < TimeSpan.FromMilliseconds(_options.ActiveSpeakerIntervalMs))
        {
            return;
        }

        room.ActiveSpeaker = loudest.UserId;
        room.LastSpeakerNotice = _time.GetTimestamp();
        _sender.Broadcast(room.MeetingId, MediaControlType, new ActiveSpeakerPayload("active_speaker", "audio", loudest.UserId, loudest.PeerId, 0));
    }
}
