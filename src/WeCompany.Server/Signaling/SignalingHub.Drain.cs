using WeCompany.Protocol.Signaling;

namespace WeCompany.Server.Signaling;

// A draining node (cluster, SIGTERM) tells every socket to reconnect elsewhere, then closes it.
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
                        connection.TryEnqueue(Frame(SignalingMessageType.Error, 0, null, session, new ErrorPayload(code, message, null)));
                        connection.Close(closeCode, reason);
                        count++;
                    }
                }
            }
        }
        return count;
    }
}
