using System.Text.Json;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Signaling;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Signaling;

/// <summary>The per-type rules of client messages (issue "Behaviour per type").</summary>
internal sealed partial class SignalingHub
{
    private Task HandleAsync(SignalingConnection connection, SignalingSession session, InboundSignalingMessage message, CancellationToken ct)
    {
        switch (message.Type)
        {
            case SignalingMessageType.Ping:
                connection.TryEnqueue(Frame(SignalingMessageType.Pong, 0, null, session, EmptyPayload.Instance));
                return Task.CompletedTask;
            case SignalingMessageType.JoinRoom:
                return JoinAsync(connection, session, message, ct);
        }
        if (!session.Joined)
        {
            SendError(connection, session, ErrorCodes.SignalingNotJoined, "Send join-room (type 4) first.", message.Id);
            return Task.CompletedTask;
        }
        switch (message.Type)
        {
            case SignalingMessageType.LeaveRoom:
                return LeaveAsync(connection, session);
            case SignalingMessageType.Offer or SignalingMessageType.Answer or SignalingMessageType.IceCandidate:
                return RelayAsync(connection, session, message, ct);
            case SignalingMessageType.Chat:
                return ChatAsync(connection, session, message, ct);
            case SignalingMessageType.ScreenShare:
                ScreenShare(connection, session, message);
                return Task.CompletedTask;
            case SignalingMessageType.MediaControl:
                return MediaControlAsync(connection, session, message, ct);
            default:
                SendError(connection, session, ErrorCodes.SignalingUnknownType, $"Type {(int)message.Type} is sent by the server only.", message.Id);
                return Task.CompletedTask;
        }
    }

    private async Task JoinAsync(SignalingConnection connection, SignalingSession session, InboundSignalingMessage message, CancellationToken ct)
    {
        if (session.Joined)
        {
            if (connection.Held)
            {
                // A reconnect of a joined session: no user-joined; what it missed comes first.
                await ResumeAsync(connection, session);
                return;
            }
            SendError(connection, session, ErrorCodes.SignalingAlreadyJoined, "Already in the room.", message.Id);
            return;
        }
        var room = session.Room;
        var iceServers = await _directory.GetIceServersAsync(room.MeetingId, session.UserId, ct);
        await room.ChatGate.WaitAsync(ct);
        try
        {
            await EnsureLastChatSeqAsync(room, ct);
        }
        finally
        {
            room.ChatGate.Release();
        }
        lock (room.Gate)
        {
            if (session.Connection != connection || room.Closed)
            {
                return;
            }
            var now = _time.GetUtcNow();
            session.Joined = true;
            session.JoinedAt = now;
            session.LastActiveAt = now;
            session.MarkDelivered(room.LastChatSeq);
            session.IceServers = iceServers;
            // room-info is queued before the user-joined broadcast, so the joiner hears of the room before anything else.
            connection.TryEnqueue(RoomInfoFrame(session, iceServers, "join", resumed: false));
            Broadcast(room.MeetingId, Frame(SignalingMessageType.UserJoined, session.UserId, null, session, session.ToInfo(0, room.ScreenSharer)), session.UserId);
        }
        // After room-info: the SFU may offer the joiner the room's media at once.
        await _sfu.PeerJoinedAsync(room.MeetingId, session.UserId, session.PeerId, ct);
    }

    private async Task LeaveAsync(SignalingConnection connection, SignalingSession session)
    {
        // Recorded first: whoever hears user-left and asks the meeting sees the departure.
        await _directory.LeaveAsync(session.Room.MeetingId, session.UserId, CancellationToken.None);
        lock (session.Room.Gate)
        {
            session.Connection = null;
            RemoveSessionLocked(session, "left");
        }
        connection.Close(SignalingCloseCodes.Left, "left the room");
        await AfterLeaveAsync(session, recordLeave: false);
    }

    private async Task RelayAsync(SignalingConnection connection, SignalingSession session, InboundSignalingMessage message, CancellationToken ct)
    {
        var meetingId = session.Room.MeetingId;
        if (message.ToUserId is > 0 and var target)
        {
            if (target == session.UserId)
            {
                SendError(connection, session, ErrorCodes.SignalingTargetUnknown, "A peer cannot signal itself.", message.Id);
                return;
            }
            // The client's SDP or candidate is passed on as it came; the envelope is the server's.
            var frame = Frame(message.Type, session.UserId, target, session, message.Payload);
            if (!_router.SendToUser(meetingId, target, frame))
            {
                SendError(connection, session, ErrorCodes.SignalingTargetUnknown, $"User {target} is not in this meeting's room.", message.Id);
                return;
            }
            _sent.Increment();
            return;
        }
        var answer = await _sfu.HandleAsync(meetingId, session.UserId, session.PeerId, message.Type, message.Payload, ct);
        if (answer.ErrorCode != 0)
        {
            SendError(connection, session, answer.ErrorCode, answer.ErrorMessage ?? "The SFU refused the message.", message.Id);
        }
    }

    private async Task ChatAsync(SignalingConnection connection, SignalingSession session, InboundSignalingMessage message, CancellationToken ct)
    {
        var content = message.Payload.GetProperty("content"u8).GetString()!;
        if (string.IsNullOrWhiteSpace(content))
        {
            SendError(connection, session, ErrorCodes.SignalingMalformed, "payload.content is empty.", message.Id);
            return;
        }
        if (content.Length > _options.MaxChatChars)
        {
            SendError(connection, session, ErrorCodes.ChatTooLong, $"Chat content is limited to {_options.MaxChatChars} characters.", message.Id);
            return;
        }
        var room = session.Room;
        long? to = message.ToUserId is > 0 ? message.ToUserId : null;
        if (to is { } target && (target == session.UserId || !_router.IsJoined(room.MeetingId, target)))
        {
            SendError(connection, session, ErrorCodes.SignalingTargetUnknown, $"User {target} is not in this meeting's room.", message.Id);
            return;
        }
        var name = session.DisplayName.Length > 0 ? session.DisplayName : session.Username;
        room.PendingChat.Enqueue(new PendingChat(new ChatRecord
        {
            MeetingId = room.MeetingId,
            MessageId = NextId(),
            FromUserId = session.UserId,
            Username = name,
            ToUserId = to,
            Content = content,
        }, connection));
        // Stored first, then delivered, one batch at a time per room: clients see sequence numbers in order.
        // Messages that queue up while a batch is being stored go together in the next transaction.
        await room.ChatGate.WaitAsync(ct);
        try
        {
            var batch = new List<PendingChat>();
            while (room.PendingChat.TryDequeue(out var pending))
            {
                batch.Add(pending);
            }
            if (batch.Count == 0)
            {
                return;
            }
            var records = await _chat.InsertBatchAsync(room.MeetingId, batch.ConvertAll(p => p.Message), _time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
            lock (room.Gate)
            {
                for (var i = 0; i < records.Count; i++)
                {
                    var record = records[i];
                    var frame = ChatFrame(record);
                    room.LastChatSeq = record.Seq;
                    if (record.ToUserId is { } privateTarget)
                    {
                        _router.SendToUser(room.MeetingId, privateTarget, frame);
                        batch[i].Sender.TryEnqueue(frame);
                    }
                    else
                    {
                        Broadcast(room.MeetingId, frame);
                    }
                }
            }
        }
        finally
        {
            room.ChatGate.Release();
        }
    }

    private void ScreenShare(SignalingConnection connection, SignalingSession session, InboundSignalingMessage message)
    {
        var action = message.Payload.GetProperty("action"u8).GetString();
        var target = OptionalUserId(message.Payload) ?? session.UserId;
        var room = session.Room;
        lock (room.Gate)
        {
            var role = session.Role;
            string? refusal = null;
            switch (action)
            {
                case "start":
                    if (!MeetingPermissions.Allows(role, MeetingAction.ShareScreen))
                    {
                        refusal = "Your role may not share its screen.";
                    }
                    else if (room.ScreenShareNeedsGrant && !MeetingPermissions.Allows(role, MeetingAction.ShareScreenFreely) && !room.ScreenShareGrants.Contains(session.UserId))
                    {
                        refusal = "Sharing needs the host's grant in this meeting.";
                    }
                    else if (room.ScreenSharer != 0 && room.ScreenSharer != session.UserId)
                    {
                        SendError(connection, session, ErrorCodes.ScreenShareBusy, $"User {room.ScreenSharer} is sharing; one sharer at a time.", message.Id);
                        return;
                    }
                    else
                    {
                        room.ScreenSharer = session.UserId;
                        target = session.UserId;
                    }
                    break;
                case "stop":
                    if (room.ScreenSharer == 0 || target != room.ScreenSharer)
                    {
                        SendError(connection, session, ErrorCodes.SignalingTargetUnknown, "Nobody with that id is sharing.", message.Id);
                        return;
                    }
                    if (target != session.UserId && !MeetingPermissions.Allows(role, MeetingAction.ManageScreenShare))
                    {
                        refusal = "Only the host or a co-host may stop another's share.";
                    }
                    else
                    {
                        room.ScreenSharer = 0;
                    }
                    break;
                default:
                    if (!MeetingPermissions.Allows(role, MeetingAction.ManageScreenShare))
                    {
                        refusal = "Only the host or a co-host may grant or revoke sharing.";
                    }
                    else if (!room.Sessions.TryGetValue(target, out var grantee) || !grantee.Joined)
                    {
                        SendError(connection, session, ErrorCodes.SignalingTargetUnknown, $"User {target} is not in this meeting's room.", message.Id);
                        return;
                    }
                    else if (action == "grant")
                    {
                        room.ScreenShareGrants.Add(target);
                    }
                    else
                    {
                        room.ScreenShareGrants.Remove(target);
                        if (room.ScreenSharer == target && !MeetingPermissions.Allows(grantee.Role, MeetingAction.ShareScreenFreely))
                        {
                            room.ScreenSharer = 0;
                            Broadcast(room.MeetingId, Frame(SignalingMessageType.ScreenShare, session.UserId, null, session, new ScreenSharePayload("stop", target, session.UserId)));
                        }
                    }
                    break;
            }
            if (refusal is not null)
            {
                SendError(connection, session, ErrorCodes.SignalingForbidden, refusal, message.Id);
                return;
            }
            Broadcast(room.MeetingId, Frame(SignalingMessageType.ScreenShare, session.UserId, null, session, new ScreenSharePayload(action!, target, session.UserId)));
        }
    }

    private async Task MediaControlAsync(SignalingConnection connection, SignalingSession session, InboundSignalingMessage message, CancellationToken ct)
    {
        var action = message.Payload.GetProperty("action"u8).GetString()!;
        var mediaType = action is "video_on" or "video_off" ? "video"
            : message.Payload.TryGetProperty("media_type"u8, out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "audio";
        var muting = action is "mute" or "video_off";
        var target = OptionalUserId(message.Payload) ?? session.UserId;
        var room = session.Room;
        if (target == session.UserId)
        {
            if (!muting && !MeetingPermissions.Allows(session.Role, MeetingAction.Publish))
            {
                SendError(connection, session, ErrorCodes.SignalingForbidden, "Your role may watch but not publish audio or video.", message.Id);
                return;
            }
            await _directory.SetMutedAsync(room.MeetingId, session.UserId, mediaType, muting, ct);
            ApplyMute(room, session.UserId, session.PeerId, mediaType, muting, action, session.UserId, session);
            return;
        }
        // Acting on someone else: the directory's role is the authority, not the socket's cached one.
        var actorRole = await _directory.GetRoleAsync(room.MeetingId, session.UserId, ct) ?? session.Role;
        SignalingSession? subject;
        lock (room.Gate)
        {
            subject = room.Sessions.TryGetValue(target, out var s) && s.Joined ? s : null;
        }
        if (subject is null)
        {
            SendError(connection, session, ErrorCodes.SignalingTargetUnknown, $"User {target} is not in this meeting's room.", message.Id);
            return;
        }
        if (!MeetingPermissions.MayMute(actorRole, subject.Role))
        {
            SendError(connection, session, ErrorCodes.SignalingForbidden, "You may not control another participant's media.", message.Id);
            return;
        }
        if (!muting)
        {
            // Nobody turns on another's microphone or camera: the target is asked instead.
            _router.SendToUser(room.MeetingId, target, Frame(SignalingMessageType.MediaControl, session.UserId, target, session,
                new MediaControlPayload("request_unmute", mediaType, target, subject.PeerId, session.UserId)));
            return;
        }
        await _directory.SetMutedAsync(room.MeetingId, target, mediaType, true, ct);
        ApplyMute(room, target, subject.PeerId, mediaType, true, action, session.UserId, session);
    }

    /// <summary>Records the new media state in the room and tells everyone (the target included).</summary>
    private void ApplyMute(SignalingRoom room, long target, string peerId, string mediaType, bool muted, string action, long byUserId, SignalingSession? sender)
    {
        lock (room.Gate)
        {
            if (room.Sessions.TryGetValue(target, out var subject))
            {
                if (mediaType == "video")
                {
                    subject.VideoOff = muted;
                }
                else
                {
                    subject.AudioMuted = muted;
                }
            }
            _sfu.MediaMuted(room.MeetingId, target, mediaType, muted);
            var payload = new MediaControlPayload(action, mediaType, target, peerId, byUserId);
            Broadcast(room.MeetingId, sender is null
                ? ServerFrame(SignalingMessageType.MediaControl, room.MeetingId, payload)
                : Frame(SignalingMessageType.MediaControl, sender.UserId, null, sender, payload));
        }
    }

    private static long? OptionalUserId(JsonElement payload) =>
        payload.TryGetProperty("user_id"u8, out var value) && value.ValueKind == JsonValueKind.Number && value.GetInt64() > 0 ? value.GetInt64() : null;
}
