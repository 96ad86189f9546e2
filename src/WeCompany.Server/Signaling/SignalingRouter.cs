using System.Collections.Concurrent;

namespace WeCompany.Server.Signaling;

/// <summary>
/// The one way signaling delivers room traffic. Local delivery now; a cluster implementation forwards to the
/// node that hosts the meeting, so no feature reaches into another node's state. Thread-safe.
/// </summary>
public interface ISignalingRouter
{
    /// <summary>Queues <paramref name="frame"/> for the joined participant <paramref name="userId"/>; false when they are not reachable.</summary>
    bool SendToUser(long meetingId, long userId, OutboundFrame frame);

    /// <summary>Queues <paramref name="frame"/> for every joined participant but <paramref name="exceptUserId"/>; answers how many got it.</summary>
    int Broadcast(long meetingId, OutboundFrame frame, long exceptUserId = 0);

    /// <summary>Is <paramref name="userId"/> a joined participant of the meeting's room?</summary>
    bool IsJoined(long meetingId, long userId);
}

/// <summary>The rooms this node hosts. Rooms are created by the first connection and dropped when empty.</summary>
internal sealed class SignalingRoomRegistry
{
    private readonly ConcurrentDictionary<long, SignalingRoom> _rooms = new();

    /// <summary>A room was created on this node (the cluster records where each meeting is hosted). Handlers only queue.</summary>
    public event Action<long>? Opened;

    /// <summary>A room was dropped (it emptied); raised under the room's gate, so handlers only queue.</summary>
    public event Action<long>? Dropped;

    public int Count => _rooms.Count;

    public SignalingRoom? Find(long meetingId) => _rooms.TryGetValue(meetingId, out var room) ? room : null;

    /// <summary>The meeting's room, created when absent; null when this node is at its room limit.</summary>
    public SignalingRoom? GetOrCreate(long meetingId, int maxRooms)
    {
        while (true)
        {
            if (_rooms.TryGetValue(meetingId, out var room))
            {
                return room;
            }
            if (_rooms.Count >= maxRooms)
            {
                return null;
            }
            // TryAdd, not GetOrAdd: exactly one caller learns that it created the room.
            var created = new SignalingRoom(meetingId);
            if (_rooms.TryAdd(meetingId, created))
            {
                Opened?.Invoke(meetingId);
                return created;
            }
        }
    }

    /// <summary>Drops the room when nobody is in it. Call under the room's gate.</summary>
    public void RemoveIfEmpty(SignalingRoom room)
    {
        if (room.Sessions.Count == 0 && !room.Closed)
        {
            room.Closed = true;
            if (_rooms.TryRemove(new KeyValuePair<long, SignalingRoom>(room.MeetingId, room)))
            {
                Dropped?.Invoke(room.MeetingId);
            }
        }
    }

    public IReadOnlyCollection<SignalingRoom> Snapshot() => [.. _rooms.Values];
}

/// <summary>Delivery to sockets on this node.</summary>
internal sealed class LocalSignalingRouter(SignalingRoomRegistry rooms) : ISignalingRouter
{
    public bool SendToUser(long meetingId, long userId, OutboundFrame frame)
    {
        var room = rooms.Find(meetingId);
        if (room is null)
        {
            return false;
        }
        lock (room.Gate)
        {
            return room.Sessions.TryGetValue(userId, out var session) && session.Joined && session.Connection is { Held: false } connection && connection.TryEnqueue(frame);
        }
    }

    public int Broadcast(long meetingId, OutboundFrame frame, long exceptUserId = 0)
    {
        var room = rooms.Find(meetingId);
        if (room is null)
        {
            return 0;
        }
        var delivered = 0;
        lock (room.Gate)
        {
            foreach (var session in room.Sessions.Values)
            {
                // A slow consumer's TryEnqueue fails at once and closes only that socket: the loop never waits.
                if (session.Joined && session.UserId != exceptUserId && session.Connection is { Held: false } connection && connection.TryEnqueue(frame))
                {
                    delivered++;
                }
            }
        }
        return delivered;
    }

    public bool IsJoined(long meetingId, long userId)
    {
        var room = rooms.Find(meetingId);
        if (room is null)
        {
            return false;
        }
        lock (room.Gate)
        {
            return room.Sessions.TryGetValue(userId, out var session) && session.Joined;
        }
    }
}
