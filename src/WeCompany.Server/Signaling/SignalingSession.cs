using WeCompany.Protocol.Signaling;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Signaling;

/// <summary>
/// A participant's place in a room: outlives one socket so that a reconnect with the same peer_id within
/// the grace period resumes it. Fields are read and written under the room's gate, except
/// <see cref="LastDeliveredSeq"/> (the writer task moves it) and <see cref="Connection"/> reads for delivery.
/// </summary>
internal sealed class SignalingSession(SignalingRoom room, long userId, string peerId, string sessionId, MeetingAdmission admission)
{
    private long _lastDeliveredSeq;

    public SignalingRoom Room => room;

    public long UserId => userId;

    public string PeerId => peerId;

    public string SessionId => sessionId;

    public string Username { get; } = admission.Username;

    public string DisplayName { get; } = admission.DisplayName;

    public MeetingRole Role { get; set; } = admission.Role;

    /// <summary>True after join-room: the session is in the participant list and receives room traffic.</summary>
    public bool Joined { get; set; }

    public DateTimeOffset JoinedAt { get; set; }

    public DateTimeOffset LastActiveAt { get; set; }

    public bool AudioMuted { get; set; }

    /// <summary>The ICE servers last sent to this participant (repeated in later room-info messages).</summary>
    public IReadOnlyList<WeCompany.Protocol.Rest.IceServer> IceServers { get; set; } = [];

    public bool VideoOff { get; set; }

    /// <summary>The socket now speaking for this session; null while the client is away (grace period).</summary>
    public SignalingConnection? Connection { get; set; }

    /// <summary>Environment.TickCount64 after which a session without a connection has left.</summary>
    public long GraceDeadline { get; set; }

    /// <summary>The newest chat sequence number written to this participant's socket: the resume point.</summary>
    public long LastDeliveredSeq => Interlocked.Read(ref _lastDeliveredSeq);

    public void MarkDelivered(long seq)
    {
        var current = Interlocked.Read(ref _lastDeliveredSeq);
        while (seq > current)
        {
            var seen = Interlocked.CompareExchange(ref _lastDeliveredSeq, seq, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    public ParticipantInfo ToInfo(long viewerUserId, long screenSharer) => new(
        UserId, Username, SessionId, PeerId, JoinedAt, LastActiveAt, UserId == viewerUserId,
        DisplayName, Role.ToWire(), AudioMuted, VideoOff, screenSharer == UserId);
}

/// <summary>A chat message accepted from <see cref="Sender"/>, not stored yet.</summary>
internal sealed record PendingChat(ChatRecord Message, SignalingConnection Sender);

/// <summary>
/// One meeting's signaling room on this node: its sessions (joined or not yet), the screen-share state and
/// the chat sequence. <see cref="Gate"/> guards the state; <see cref="ChatGate"/> serializes chat so that
/// messages are stored and delivered in sequence order.
/// </summary>
internal sealed class SignalingRoom(long meetingId)
{
    public long MeetingId => meetingId;

    public Lock Gate { get; } = new();

    public SemaphoreSlim ChatGate { get; } = new(1, 1);

    /// <summary>Chat waiting to be stored: whoever holds <see cref="ChatGate"/> stores everything queued in one transaction.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<PendingChat> PendingChat { get; } = new();

    public Dictionary<long, SignalingSession> Sessions { get; } = [];

    /// <summary>Users a moderator allowed to share (meetings whose setting requires a grant).</summary>
    public HashSet<long> ScreenShareGrants { get; } = [];

    /// <summary>The user sharing their screen, 0 for nobody.</summary>
    public long ScreenSharer { get; set; }

    public bool ScreenShareNeedsGrant { get; set; }

    /// <summary>The newest stored chat sequence number; -1 until read from the store.</summary>
    public long LastChatSeq { get; set; } = -1;

    /// <summary>Set when the registry dropped the room; a connection that finds it closed looks the room up again.</summary>
    public bool Closed { get; set; }

    public IEnumerable<SignalingSession> JoinedSessions()
    {
        foreach (var session in Sessions.Values)
        {
            if (session.Joined)
            {
                yield return session;
            }
        }
    }

    public int JoinedCount()
    {
        var count = 0;
        foreach (var session in Sessions.Values)
        {
            count += session.Joined ? 1 : 0;
        }
        return count;
    }
}
