using System.Net.WebSockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using ParticipantInfo = WeCompany.Protocol.Signaling.ParticipantInfo;
using WeCompany.Protocol.Signaling;
using WeCompany.Server.Accounts;
using WeCompany.Server.Diagnostics;
using WeCompany.Server.Meetings;
using WeCompany.Server.Presence;

namespace WeCompany.Server.Signaling;

/// <summary>
/// The signaling rooms of this node: admits sockets to their room, runs each socket's receive loop, applies
/// the per-type rules (SignalingHub.Handlers.cs) and delivers meeting events (SignalingHub.Moderation.cs).
/// Each socket's messages are handled one at a time by its own receive loop; room state is guarded by the
/// room's gate; deliveries go through <see cref="ISignalingRouter"/> into each socket's bounded queue.
/// </summary>
internal sealed partial class SignalingHub : IDisposable
{
    private const string ServerSessionId = "server";

    private readonly SignalingOptions _options;
    private readonly IMeetingDirectory _directory;
    private readonly ISfuGateway _sfu;
    private readonly ISignalingRouter _router;
    private readonly SignalingRoomRegistry _rooms;
    private readonly ChatStore _chat;
    private readonly PresenceRegistry _presence;
    private readonly TimeProvider _time;
    private readonly ILogger<SignalingHub> _logger;
    private readonly IDisposable _subscription;
    private readonly ITimer _sweeper;
    private readonly string _idPrefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly Counter _received;
    private readonly Counter _sent;
    private readonly Counter _slowConsumers;
    private long _idCounter;
    private int _connections;

    public SignalingHub(
        IOptions<SignalingOptions> options, IMeetingDirectory directory, ISfuGateway sfu, ISignalingRouter router,
        SignalingRoomRegistry rooms, ChatStore chat, PresenceRegistry presence, IMeetingEventBus events,
        MetricsRegistry metrics, TimeProvider time, ILogger<SignalingHub> logger)
    {
        _options = options.Value;
        _directory = directory;
        _sfu = sfu;
        _router = router;
        _rooms = rooms;
        _chat = chat;
        _presence = presence;
        _time = time;
        _logger = logger;
        _received = metrics.Counter("signaling_messages_received_total", "Signaling messages received from clients.");
        _sent = metrics.Counter("signaling_frames_queued_total", "Signaling frames queued for clients.");
        _slowConsumers = metrics.Counter("signaling_slow_consumers_total", "Signaling sockets closed because their send queue overflowed.");
        metrics.Gauge("signaling_connections", "Open signaling sockets on this node.", () => Volatile.Read(ref _connections));
        metrics.Gauge("signaling_rooms", "Signaling rooms on this node.", () => _rooms.Count);
        _subscription = events.Subscribe(OnMeetingEventAsync);
        var sweep = TimeSpan.FromMilliseconds(_options.SweepIntervalMilliseconds);
        _sweeper = time.CreateTimer(_ => Sweep(), null, sweep, sweep);
    }

    public int RoomCount => _rooms.Count;

    public bool HostsRoom(long meetingId) => _rooms.Find(meetingId) is not null;

    public SignalingOptions Options => _options;

    public IMeetingDirectory Directory => _directory;

    public ChatStore Chat => _chat;

    /// <summary>Runs one admitted socket until it closes.</summary>
    public async Task RunAsync(WebSocket socket, long meetingId, AuthenticatedUser user, string peerId, MeetingAdmission admission, long? lastSeenSeq)
    {
        using var connection = new SignalingConnection(socket, "ws_" + NextId(), _options) { Overflowed = OnSlowConsumer, LastSeenSeq = lastSeenSeq };
        var writer = connection.RunWriterAsync();
        Interlocked.Increment(ref _connections);
        using var presence = _presence.Register(user.UserId, PresenceChannel.WebSocket, connection.ConnectionId);
        SignalingLog.Opened(_logger, connection.ConnectionId, meetingId, user.UserId, peerId);
        try
        {
            var session = await AttachAsync(connection, meetingId, user.UserId, peerId, admission);
            if (session is not null)
            {
                await ReceiveLoopAsync(connection, session);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client vanished without a close handshake: treated like any disconnect below.
        }
        catch (Exception e)
        {
            SignalingLog.Fault(_logger, connection.ConnectionId, e);
        }
        finally
        {
            await DetachAsync(connection);
            connection.Close(SignalingCloseCodes.Left, "closed");
            await writer;
            Interlocked.Decrement(ref _connections);
            SignalingLog.Closed(_logger, connection.ConnectionId, connection.CloseCode, connection.CloseReason);
        }
    }

    private async Task ReceiveLoopAsync(SignalingConnection connection, SignalingSession session)
    {
        var rateLimitReported = false;
        while (true)
        {
            var received = await connection.ReceiveAsync(_options.MaxMessageBytes);
            if (received is not { } message)
            {
                return;
            }
            using (message)
            {
                _received.Increment();
                // The bucket is asked first so that a flood costs no parsing.
                if (!connection.Bucket.TryTake())
                {
                    if (!rateLimitReported)
                    {
                        rateLimitReported = true;
                        SendError(connection, session, ErrorCodes.SignalingRateLimited,
                            $"Too many messages: at most {connection.Bucket.RatePerSecond} per second (bursts of {connection.Bucket.Capacity}); messages were dropped.", null);
                    }
                    continue;
                }
                rateLimitReported = false;
                if (message.Oversized)
                {
                    SendError(connection, session, ErrorCodes.SignalingTooLarge, $"The message is over the {_options.MaxMessageBytes}-byte limit.", null);
                    continue;
                }
                if (message.Binary)
                {
                    SendError(connection, session, ErrorCodes.SignalingMalformed, "Send JSON text messages, not binary ones.", null);
                    continue;
                }
                using var parsed = SignalingParser.Parse(message.Utf8, _options.MaxMessageBytes);
                if (!parsed.IsValid)
                {
                    SendError(connection, session, parsed.ErrorCode, parsed.ErrorMessage!, parsed.RefId);
                    continue;
                }
                session.LastActiveAt = _time.GetUtcNow();
                try
                {
                    await HandleAsync(connection, session, parsed.Message, connection.Aborted);
                }
                catch (Exception e) when (e is not (OperationCanceledException or WebSocketException))
                {
                    // A store or directory fault fails this message only; the client hears of it and the socket stays.
                    SignalingLog.Fault(_logger, connection.ConnectionId, e);
                    SendError(connection, session, ErrorCodes.InternalError, "The server could not handle this message.", parsed.RefId);
                }
            }
        }
    }

    /// <summary>
    /// Puts the connection in its room. Same peer_id as a session there: the connection takes it over (the old
    /// socket, if still open, is closed with 4001) and, when the session had joined, is held until its
    /// join-room resumes it. Another peer_id of the same user: that session ends and a new one starts (the
    /// newest tab wins).
    /// </summary>
    private async Task<SignalingSession?> AttachAsync(SignalingConnection connection, long meetingId, long userId, string peerId, MeetingAdmission admission)
    {
        while (true)
        {
            var room = _rooms.GetOrCreate(meetingId, _options.MaxRoomsPerNode);
            if (room is null)
            {
                connection.Close((int)WebSocketCloseStatus.EndpointUnavailable, "this node hosts no more rooms");
                return null;
            }
            SignalingSession? replaced = null;
            SignalingSession session;
            lock (room.Gate)
            {
                if (room.Closed)
                {
                    continue;
                }
                room.ScreenShareNeedsGrant = admission.ScreenShareNeedsGrant;
                if (room.Sessions.TryGetValue(userId, out var existing) && existing.PeerId == peerId)
                {
                    session = existing;
                    session.Connection?.Close(SignalingCloseCodes.Replaced, "resumed on a new connection");
                    connection.Held = session.Joined;
                    session.Connection = connection;
                    session.GraceDeadline = 0;
                }
                else
                {
                    if (existing is not null)
                    {
                        replaced = existing;
                        existing.Connection?.Close(SignalingCloseCodes.Replaced, "replaced by a newer connection of the same user");
                        existing.Connection = null;
                        RemoveSessionLocked(existing, "replaced");
                    }
                    session = new SignalingSession(room, userId, peerId, "session_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), admission)
                    {
                        Connection = connection,
                    };
                    room.Sessions[userId] = session;
                }
                connection.Session = session;
            }
            if (replaced is { Joined: true })
            {
                await _sfu.PeerLeftAsync(meetingId, userId, replaced.PeerId, CancellationToken.None);
            }
            return session;
        }
    }

    /// <summary>
    /// Sends room-info (resumed) and every chat message the session missed, then lets new traffic in. The
    /// server's resume point is the last frame its writer handed to the socket; a client that says what it
    /// last saw (last_seq) can only move it back, which covers frames lost inside a dying TCP connection.
    /// </summary>
    private async Task ResumeAsync(SignalingConnection connection, SignalingSession session)
    {
        var room = session.Room;
        var iceServers = await _directory.GetIceServersAsync(room.MeetingId, session.UserId, connection.Aborted);
        // Holding the chat gate: no message can be numbered between the replay query and the attach.
        await room.ChatGate.WaitAsync(connection.Aborted);
        try
        {
            await EnsureLastChatSeqAsync(room, connection.Aborted);
            var after = Math.Min(session.LastDeliveredSeq, connection.LastSeenSeq ?? long.MaxValue);
            var missed = await _chat.ListAfterAsync(room.MeetingId, session.UserId, after, 10_000, connection.Aborted);
            lock (room.Gate)
            {
                if (session.Connection != connection)
                {
                    return;
                }
                session.IceServers = iceServers;
                connection.TryEnqueue(RoomInfoFrame(session, iceServers, "resume", resumed: true));
                foreach (var record in missed)
                {
                    connection.TryEnqueue(ChatFrame(record));
                }
                connection.Held = false;
            }
            SignalingLog.Resumed(_logger, room.MeetingId, session.UserId, session.PeerId, missed.Count);
        }
        finally
        {
            room.ChatGate.Release();
        }
    }

    private void OnSlowConsumer(SignalingConnection connection)
    {
        _slowConsumers.Increment();
        SignalingLog.SlowConsumer(_logger, connection.Session?.Room.MeetingId ?? 0, connection.Session?.UserId ?? 0);
    }

    /// <summary>The socket closed: a joined session waits out the grace period, any other ends now.</summary>
    private async Task DetachAsync(SignalingConnection connection)
    {
        if (connection.Session is not { } session)
        {
            return;
        }
        var room = session.Room;
        var leftNow = false;
        lock (room.Gate)
        {
            if (session.Connection != connection)
            {
                return;
            }
            session.Connection = null;
            if (!room.Sessions.TryGetValue(session.UserId, out var current) || current != session)
            {
                return;
            }
            if (session.Joined && _options.ResumeGraceSeconds > 0)
            {
                session.GraceDeadline = Environment.TickCount64 + (_options.ResumeGraceSeconds * 1000L);
            }
            else
            {
                leftNow = session.Joined;
                RemoveSessionLocked(session, "disconnected");
            }
        }
        if (leftNow)
        {
            await AfterLeaveAsync(session, recordLeave: true);
        }
    }

    /// <summary>Removes a session from its room and tells the rest. Call under the room's gate.</summary>
    private void RemoveSessionLocked(SignalingSession session, string reason)
    {
        var room = session.Room;
        if (!room.Sessions.Remove(session.UserId))
        {
            return;
        }
        if (session.Joined)
        {
            if (room.ScreenSharer == session.UserId)
            {
                room.ScreenSharer = 0;
                Broadcast(room.MeetingId, ServerFrame(SignalingMessageType.ScreenShare, room.MeetingId, new ScreenSharePayload("stop", session.UserId, session.UserId)));
            }
            Broadcast(room.MeetingId, new OutboundFrame(SignalingJson.Serialize(new SignalingEnvelope<UserLeftPayload>(
                NextId(), SignalingMessageType.UserLeft, session.UserId, null, room.MeetingId, session.SessionId, session.PeerId,
                new UserLeftPayload(session.UserId, session.PeerId, session.SessionId, reason), _time.GetUtcNow()))));
        }
        room.ScreenShareGrants.Remove(session.UserId);
        _rooms.RemoveIfEmpty(room);
    }

    private async Task AfterLeaveAsync(SignalingSession session, bool recordLeave)
    {
        try
        {
            await _sfu.PeerLeftAsync(session.Room.MeetingId, session.UserId, session.PeerId, CancellationToken.None);
            if (recordLeave)
            {
                await _directory.LeaveAsync(session.Room.MeetingId, session.UserId, CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            SignalingLog.Fault(_logger, session.SessionId, e);
        }
    }

    /// <summary>Closes idle sockets and ends sessions whose grace period ran out.</summary>
    private void Sweep()
    {
        var now = Environment.TickCount64;
        var idleMs = _options.IdleTimeoutSeconds * 1000L;
        List<SignalingSession>? expired = null;
        foreach (var room in _rooms.Snapshot())
        {
            lock (room.Gate)
            {
                foreach (var session in room.Sessions.Values.ToList())
                {
                    if (session.Connection is { } connection)
                    {
                        if (now - connection.LastReceived > idleMs)
                        {
                            connection.Close(SignalingCloseCodes.IdleTimeout, $"idle timeout: no message for {_options.IdleTimeoutSeconds} s");
                        }
                    }
                    else if (session.GraceDeadline <= now)
                    {
                        RemoveSessionLocked(session, "disconnected");
                        (expired ??= []).Add(session);
                    }
                }
            }
        }
        foreach (var session in expired ?? [])
        {
            _ = AfterLeaveAsync(session, recordLeave: true);
        }
    }

    private string NextId() => "msg_" + _idPrefix + Interlocked.Increment(ref _idCounter).ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    private int Broadcast(long meetingId, OutboundFrame frame, long exceptUserId = 0)
    {
        var count = _router.Broadcast(meetingId, frame, exceptUserId);
        _sent.Add(count);
        return count;
    }

    private void SendError(SignalingConnection connection, SignalingSession session, int code, string message, string? refId) =>
        connection.TryEnqueue(Frame(SignalingMessageType.Error, 0, null, session, new ErrorPayload(code, message, refId)));

    /// <summary>A message from <paramref name="fromUserId"/> (0: the server) in the name of <paramref name="session"/>.</summary>
    private OutboundFrame Frame<T>(SignalingMessageType type, long fromUserId, long? toUserId, SignalingSession session, T payload, long chatSeq = 0) =>
        new(SignalingJson.Serialize(new SignalingEnvelope<T>(NextId(), type, fromUserId, toUserId, session.Room.MeetingId, session.SessionId, session.PeerId, payload, _time.GetUtcNow())), chatSeq);

    /// <summary>A server-originated room message with no single sender session.</summary>
    private OutboundFrame ServerFrame<T>(SignalingMessageType type, long meetingId, T payload) =>
        new(SignalingJson.Serialize(new SignalingEnvelope<T>(NextId(), type, 0, null, meetingId, ServerSessionId, null, payload, _time.GetUtcNow())));

    private static OutboundFrame ChatFrame(ChatRecord record) =>
        new(SignalingJson.Serialize(new SignalingEnvelope<ChatPayload>(
            record.MessageId, SignalingMessageType.Chat, record.FromUserId, record.ToUserId, record.MeetingId, ServerSessionId, null,
            new ChatPayload(record.Content, record.FromUserId, record.Username, record.MeetingId, record.Seq, record.ToUserId,
                DateTimeOffset.FromUnixTimeMilliseconds(record.CreatedAt)),
            DateTimeOffset.FromUnixTimeMilliseconds(record.CreatedAt))), record.Seq);

    /// <summary>room-info as <paramref name="session"/> sees it. Call under the room's gate.</summary>
    private OutboundFrame RoomInfoFrame(SignalingSession session, IReadOnlyList<WeCompany.Protocol.Rest.IceServer> iceServers, string reason, bool resumed)
    {
        var room = session.Room;
        var participants = new List<ParticipantInfo>(room.Sessions.Count);
        foreach (var member in room.JoinedSessions())
        {
            participants.Add(member.ToInfo(session.UserId, room.ScreenSharer));
        }
        var payload = new RoomInfoPayload(room.MeetingId, participants.Count, session.SessionId, session.PeerId, iceServers, participants,
            room.ScreenSharer == 0 ? null : room.ScreenSharer, resumed, Math.Max(0, room.LastChatSeq), reason);
        return Frame(SignalingMessageType.RoomInfo, 0, null, session, payload);
    }

    private async Task EnsureLastChatSeqAsync(SignalingRoom room, CancellationToken ct)
    {
        if (room.LastChatSeq < 0)
        {
            room.LastChatSeq = await _chat.LastSeqAsync(room.MeetingId, ct);
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _sweeper.Dispose();
        foreach (var room in _rooms.Snapshot())
        {
            lock (room.Gate)
            {
                foreach (var session in room.Sessions.Values)
                {
                    session.Connection?.Close(SignalingCloseCodes.ServerShutdown, "server shutting down");
                }
            }
        }
    }
}
