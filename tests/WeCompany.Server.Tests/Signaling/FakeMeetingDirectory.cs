using System.Collections.Concurrent;
using WeCompany.Protocol.Signaling;
using WeCompany.Server.Meetings;
using WeCompany.Server.Signaling;

namespace WeCompany.Server.Tests.Signaling;

/// <summary>
/// The meetings feature as signaling sees it, kept in memory: the real MeetingService lives in another branch
/// (the integrator replaces this with it). Moderation goes through the real event bus, as REST will.
/// </summary>
public sealed class FakeMeetingDirectory(IMeetingEventBus? bus = null) : IMeetingDirectory
{
    private readonly ConcurrentDictionary<long, Meeting> _meetings = new();

    public IMeetingEventBus? Bus { get; set; } = bus;

    public ConcurrentQueue<(long MeetingId, long UserId, string MediaType, bool Muted)> MuteRecords { get; } = new();

    public ConcurrentQueue<(long MeetingId, long UserId)> Departures { get; } = new();

    public void AddMeeting(long meetingId, bool screenShareNeedsGrant = false) =>
        _meetings[meetingId] = new Meeting { ScreenShareNeedsGrant = screenShareNeedsGrant };

    public bool Knows(long meetingId) => _meetings.ContainsKey(meetingId);

    public void Join(long meetingId, long userId, string username, MeetingRole role = MeetingRole.Participant) =>
        _meetings[meetingId].Participants[userId] = new Participant(role, username, username.ToUpperInvariant());

    public async Task KickAsync(long meetingId, long userId, long byUserId)
    {
        _meetings[meetingId].Participants[userId] = _meetings[meetingId].Participants[userId] with { Kicked = true };
        await Bus!.PublishAsync(new ParticipantKicked(meetingId, userId, byUserId), CancellationToken.None);
    }

    public async Task EndAsync(long meetingId, long byUserId)
    {
        _meetings[meetingId].Ended = true;
        await Bus!.PublishAsync(new MeetingEnded(meetingId, byUserId), CancellationToken.None);
    }

    public async Task ChangeRoleAsync(long meetingId, long userId, MeetingRole role, long byUserId)
    {
        _meetings[meetingId].Participants[userId] = _meetings[meetingId].Participants[userId] with { Role = role };
        await Bus!.PublishAsync(new RoleChanged(meetingId, userId, role, byUserId), CancellationToken.None);
    }

    public Task<MeetingAdmission> AdmitAsync(long meetingId, long userId, CancellationToken cancellationToken)
    {
        if (!_meetings.TryGetValue(meetingId, out var meeting))
        {
            return Task.FromResult(MeetingAdmission.Refused(AdmissionStatus.MeetingNotFound));
        }
        if (meeting.Ended)
        {
            return Task.FromResult(MeetingAdmission.Refused(AdmissionStatus.MeetingEnded));
        }
        if (!meeting.Participants.TryGetValue(userId, out var p) || p.Left)
        {
            return Task.FromResult(MeetingAdmission.Refused(AdmissionStatus.NotJoined));
        }
        return Task.FromResult(p.Kicked
            ? MeetingAdmission.Refused(AdmissionStatus.Kicked)
            : new MeetingAdmission(AdmissionStatus.Admitted, p.Role, p.Username, p.DisplayName, meeting.ScreenShareNeedsGrant));
    }

    public Task<MeetingRole?> GetRoleAsync(long meetingId, long userId, CancellationToken cancellationToken) =>
        Task.FromResult(_meetings.TryGetValue(meetingId, out var m) && m.Participants.TryGetValue(userId, out var p) && !p.Kicked && !p.Left ? p.Role : (MeetingRole?)null);

    public Task<IReadOnlyList<WeCompany.Protocol.Rest.IceServer>> GetIceServersAsync(long meetingId, long userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<WeCompany.Protocol.Rest.IceServer>>([new WeCompany.Protocol.Rest.IceServer("stun:127.0.0.1:3478")]);

    public Task SetMutedAsync(long meetingId, long userId, string mediaType, bool muted, CancellationToken cancellationToken)
    {
        MuteRecords.Enqueue((meetingId, userId, mediaType, muted));
        return Task.CompletedTask;
    }

    public Task LeaveAsync(long meetingId, long userId, CancellationToken cancellationToken)
    {
        Departures.Enqueue((meetingId, userId));
        if (_meetings.TryGetValue(meetingId, out var m) && m.Participants.TryGetValue(userId, out var p))
        {
            m.Participants[userId] = p with { Left = true };
        }
        return Task.CompletedTask;
    }

    private sealed class Meeting
    {
        public ConcurrentDictionary<long, Participant> Participants { get; } = new();

        public bool Ended { get; set; }

        public bool ScreenShareNeedsGrant { get; init; }
    }

    private sealed record Participant(MeetingRole Role, string Username, string DisplayName, bool Kicked = false, bool Left = false);
}
