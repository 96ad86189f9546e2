using System.Collections.Concurrent;
using WeCompany.Server.Files;

namespace WeCompany.Server.Tests.Files;

/// <summary>
/// The meetings feature's answer to "who may see this meeting's files", held in a table the test fills
/// (the meetings store is written in parallel; the integrator implements <see cref="IMeetingAccess"/> over it).
/// </summary>
public sealed class TestMeetingAccess : IMeetingAccess
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<long, MeetingAccess>> _meetings = new();

    /// <summary>Creates a meeting hosted by <paramref name="hostId"/>, joined by <paramref name="participants"/>.</summary>
    public void AddMeeting(long meetingId, long hostId, params long[] participants)
    {
        var members = _meetings.GetOrAdd(meetingId, _ => new ConcurrentDictionary<long, MeetingAccess>());
        members[hostId] = MeetingAccess.Host;
        foreach (var participant in participants)
        {
            members[participant] = MeetingAccess.Participant;
        }
    }

    public Task<MeetingAccess> GetAccessAsync(long meetingId, long userId, CancellationToken cancellationToken) =>
        Task.FromResult(!_meetings.TryGetValue(meetingId, out var members)
            ? MeetingAccess.MeetingNotFound
            : members.TryGetValue(userId, out var access) ? access : MeetingAccess.NotParticipant);
}
