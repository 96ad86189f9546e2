namespace WeCompany.Server.Meetings;

/// <summary>
/// A change to a meeting's state that connected clients must hear about. The meetings service publishes them
/// (after the store has the change); signaling delivers them to sockets. In a cluster the bus carries them to
/// the node that hosts the meeting.
/// </summary>
public abstract record MeetingEvent(long MeetingId);

/// <summary>A participant was removed; their socket gets a notice and is closed, and they cannot rejoin.</summary>
public sealed record ParticipantKicked(long MeetingId, long UserId, long ByUserId) : MeetingEvent(MeetingId);

/// <summary>A host or co-host muted <see cref="UserId"/>'s <see cref="MediaType"/> ("audio" or "video").</summary>
public sealed record ParticipantMuted(long MeetingId, long UserId, long ByUserId, string MediaType) : MeetingEvent(MeetingId);

/// <summary>Everyone but the issuer was muted.</summary>
public sealed record AllMuted(long MeetingId, long ByUserId) : MeetingEvent(MeetingId);

/// <summary>A participant's role changed.</summary>
public sealed record RoleChanged(long MeetingId, long UserId, MeetingRole Role, long ByUserId) : MeetingEvent(MeetingId);

/// <summary>The meeting ended: every socket is told, then closed.</summary>
public sealed record MeetingEnded(long MeetingId, long ByUserId) : MeetingEvent(MeetingId);

/// <summary>A chat-visible notice posted by the server (e.g. a file was uploaded into the meeting).</summary>
public sealed record MeetingNotice(long MeetingId, long UserId, string Content) : MeetingEvent(MeetingId)
{
    /// <summary>
    /// The chat record the notice became: null until stored. The publishing node's signaling hub stores it and
    /// sets this; the cluster bus carries it, so the node hosting the room shows that record and stores nothing.
    /// </summary>
    public StoredNotice? Stored { get; set; }
}

/// <summary>Where a stored notice sits in the meeting's chat history (sent from user 0, "system").</summary>
public sealed record StoredNotice(long Seq, string MessageId, long CreatedAt);

/// <summary>Publishes meeting events to whoever delivers them (signaling locally, the cluster bus across nodes).</summary>
public interface IMeetingEventBus
{
    ValueTask PublishAsync(MeetingEvent meetingEvent, CancellationToken cancellationToken);

    /// <summary>Registers a handler; dispose the result to stop receiving. Handlers must not throw.</summary>
    IDisposable Subscribe(Func<MeetingEvent, CancellationToken, ValueTask> handler);
}

/// <summary>In-process delivery: handlers run in order on the publisher's call. Thread-safe.</summary>
public sealed class LocalMeetingEventBus : IMeetingEventBus
{
    private readonly Lock _gate = new();
    private Func<MeetingEvent, CancellationToken, ValueTask>[] _handlers = [];

    public async ValueTask PublishAsync(MeetingEvent meetingEvent, CancellationToken cancellationToken)
    {
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            await handler(meetingEvent, cancellationToken);
        }
    }

    public IDisposable Subscribe(Func<MeetingEvent, CancellationToken, ValueTask> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }
        return new Subscription(this, handler);
    }

    private void Unsubscribe(Func<MeetingEvent, CancellationToken, ValueTask> handler)
    {
        lock (_gate)
        {
            _handlers = _handlers.Where(h => h != handler).ToArray();
        }
    }

    private sealed class Subscription(LocalMeetingEventBus bus, Func<MeetingEvent, CancellationToken, ValueTask> handler) : IDisposable
    {
        public void Dispose() => bus.Unsubscribe(handler);
    }
}
