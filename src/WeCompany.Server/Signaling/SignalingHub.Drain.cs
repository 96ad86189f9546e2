using WeCompany.Protocol.Signaling;

namespace WeCompany.Server.Signaling;

// Sending clients elsewhere (cluster): a draining node (SIGTERM) tells every socket to reconnect, then closes it;
// a room that opened on another node is handed over the same way.
internal sealed partial class SignalingHub
{
    /// <summary>Open signaling sockets on this node.</summary>
    public int OpenConnections => Volatile.Read(ref _connections);

    /// <summary>
    /// Queues an error message (type 13) with <paramref name="code"/> and <paramref name="message"/> on every joined
    /// socket, then closes it with <paramref name="closeCode"/> once the message is written. Answers how many.
    /// The sessions keep their resume grace: a client that reconnects to another node starts afresh there.
    /// </summary>
    public int CloseAllForDrain(int code, string message, int closeCode, string reason)
    {
        var count = 0;
        foreach (var room in _rooms.Snapshot())
        {
            lock (room.Gate)
            {
                foreach (var session in room.Sessions.Values)
                {
                    if (session.Connection is { } connection)
                    {
                        NoticeAndClose(connection, session, code, message, closeCode, reason);
                        count++;
                    }
                }
            }
        }
        return count;
    }

    /// <summary>
    /// Hands the meeting's room over to another node: every socket gets the notice and is closed, and the room's
    /// sessions end now, without a resume grace and without recording a leave (the participants are moving, not
    /// leaving). The room is dropped, so a client that nginx still sends here opens a new room, which claims the
    /// meeting back. Answers how many sockets were closed.
    /// </summary>
    public async Task<int> HandOverRoomAsync(long meetingId, int code, string message, int closeCode, string reason)
    {
        if (_rooms.Find(meetingId) is not { } room)
        {
            return 0;
        }
        var closed = 0;
        List<SignalingSession> ended;
        lock (room.Gate)
        {
            ended = [.. room.Sessions.Values];
            // Every socket first, so that no one hears the others "leave" while the room empties.
            foreach (var session in ended)
            {
                if (session.Connection is { } connection)
                {
                    NoticeAndClose(connection, session, code, message, closeCode, reason);
                    closed++;
                }
                session.Connection = null;
            }
            foreach (var session in ended)
            {
                RemoveSessionLocked(session, "moved");
            }
        }
        foreach (var session in ended)
        {
            if (session.Joined)
            {
                await AfterLeaveAsync(session, recordLeave: false);
            }
        }
        return closed;
    }

    private void NoticeAndClose(SignalingConnection connection, SignalingSession session, int code, string message, int closeCode, string reason)
    {
        connection.TryEnqueue(Frame(SignalingMessageType.Error, 0, null, session, new ErrorPayload(code, message, null)));
        connection.Close(closeCode, reason);
    }
}
