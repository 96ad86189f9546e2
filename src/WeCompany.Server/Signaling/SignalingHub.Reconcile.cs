using WeCompany.Protocol.Rest;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Signaling;

/// <summary>
/// Rooms brought back in line with the meetings store. Moderation reaches a room as a meeting event; in a cluster an
/// event crosses nodes on the bus, and a node whose listener was away longer than the bus keeps its log may have
/// missed some. The store has the truth (who was removed, which meetings ended, each participant's role), so after
/// such a gap every session of every local room is checked against it and the store wins.
/// </summary>
internal sealed partial class SignalingHub
{
    /// <summary>Checks every session of every room on this node; answers how many sessions or rooms changed.</summary>
    public async Task<int> ReconcileRoomsAsync(CancellationToken ct)
    {
        int sessionsChecked = 0, changed = 0;
        var rooms = _rooms.Snapshot();
        foreach (var room in rooms)
        {
            (long UserId, MeetingRole Role)[] sessions;
            lock (room.Gate)
            {
                sessions = [.. room.Sessions.Values.Select(s => (s.UserId, s.Role))];
            }
            foreach (var (userId, role) in sessions)
            {
                sessionsChecked++;
                var admission = await _directory.AdmitAsync(room.MeetingId, userId, ct);
                if (admission.Status == AdmissionStatus.MeetingEnded)
                {
                    EndRoom(room);
                    changed++;
                    break;
                }
                if (admission.Status == AdmissionStatus.Kicked)
                {
                    await RemoveByServerAsync(room, userId, ErrorCodes.KickedFromMeeting, "You were removed from the meeting.", SignalingCloseCodes.Kicked, "kicked");
                    changed++;
                }
                else if (admission.Status == AdmissionStatus.Admitted && admission.Role != role)
                {
                    // By user 0: the server, as nobody in the room saw who changed it.
                    ChangeRole(room, new RoleChanged(room.MeetingId, userId, admission.Role, 0));
                    changed++;
                }
            }
        }
        SignalingLog.Reconciled(_logger, rooms.Count, sessionsChecked, changed);
        return changed;
    }
}
