using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Signaling;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Signaling;

/// <summary>
/// Meeting events (REST moderation, meeting end, notices) turned into messages on this node's sockets.
/// The meetings service has already stored the change; here the room's copy follows and clients are told.
/// </summary>
internal sealed partial class SignalingHub
{
    /// <summary>The sender name of server notices in chat history.</summary>
    private const string SystemName = "system";

    private async ValueTask OnMeetingEventAsync(MeetingEvent meetingEvent, CancellationToken ct)
    {
        try
        {
            var room = _rooms.Find(meetingEvent.MeetingId);
            switch (meetingEvent)
            {
                case MeetingNotice notice:
                    // Notices are chat history too: stored (from user 0) by the publishing node even when nobody is
                    // connected there; a notice stored elsewhere is only shown.
                    await PostNoticeAsync(room, notice, ct);
                    return;
                case ParticipantKicked kicked when room is not null:
                    await RemoveByServerAsync(room, kicked.UserId, ErrorCodes.KickedFromMeeting, "You were removed from the meeting.", SignalingCloseCodes.Kicked, "kicked");
                    return;
                case ParticipantMuted muted when room is not null:
                    string? peerId;
                    lock (room.Gate)
                    {
                        peerId = room.Sessions.TryGetValue(muted.UserId, out var s) ? s.PeerId : null;
                    }
                    ApplyMute(room, muted.UserId, peerId ?? "", muted.MediaType, true, muted.MediaType == "video" ? "video_off" : "mute", muted.ByUserId, null);
                    return;
                case AllMuted all when room is not null:
                    lock (room.Gate)
                    {
                        foreach (var session in room.Sessions.Values)
                        {
                            if (session.UserId != all.ByUserId && session.Role != MeetingRole.Host)
                            {
                                session.AudioMuted = true;
                            }
                        }
                        Broadcast(room.MeetingId, ServerFrame(SignalingMessageType.MediaControl, room.MeetingId, new MediaControlPayload("mute_all", "audio", 0, null, all.ByUserId)));
                    }
                    return;
                case RoleChanged changed when room is not null:
                    ChangeRole(room, changed);
                    return;
                case MeetingEnded when room is not null:
                    EndRoom(room);
                    return;
            }
        }
        catch (Exception e)
        {
            SignalingLog.EventFault(_logger, meetingEvent.GetType().Name, e);
        }
    }

    private async Task PostNoticeAsync(SignalingRoom? room, MeetingNotice notice, CancellationToken ct)
    {
        if (notice.Stored is { } stored)
        {
            // Stored by the node that published it (it came over the cluster bus): show that record here, once.
            if (room is not null)
            {
                await ShowStoredNoticeAsync(room, notice, stored, ct);
            }
            return;
        }
        if (room is null)
        {
            notice.Stored = ToStored(await _chat.InsertAsync(notice.MeetingId, NextId(), 0, SystemName, null, notice.Content, _time.GetUtcNow().ToUnixTimeMilliseconds(), ct));
            return;
        }
        await room.ChatGate.WaitAsync(ct);
        try
        {
            var record = await _chat.InsertAsync(notice.MeetingId, NextId(), 0, SystemName, null, notice.Content, _time.GetUtcNow().ToUnixTimeMilliseconds(), ct);
            notice.Stored = ToStored(record);
            lock (room.Gate)
            {
                room.LastChatSeq = Math.Max(room.LastChatSeq, record.Seq);
                Broadcast(room.MeetingId, ChatFrame(record));
            }
        }
        finally
        {
            room.ChatGate.Release();
        }
    }

    private async Task ShowStoredNoticeAsync(SignalingRoom room, MeetingNotice notice, StoredNotice stored, CancellationToken ct)
    {
        var record = new ChatRecord
        {
            MeetingId = notice.MeetingId,
            Seq = stored.Seq,
            MessageId = stored.MessageId,
            FromUserId = 0,
            Username = SystemName,
            Content = notice.Content,
            CreatedAt = stored.CreatedAt,
        };
        // The room's chat gate: not interleaved with a batch of this room being stored and delivered.
        await room.ChatGate.WaitAsync(ct);
        try
        {
            lock (room.Gate)
            {
                // The number was taken on another node; a later local message may already have a higher one.
                room.LastChatSeq = Math.Max(room.LastChatSeq, record.Seq);
                Broadcast(room.MeetingId, ChatFrame(record));
            }
        }
        finally
        {
            room.ChatGate.Release();
        }
    }

    private static StoredNotice ToStored(ChatRecord record) => new(record.Seq, record.MessageId, record.CreatedAt);

    /// <summary>Tells one participant why, closes their socket after that notice, and tells the rest they left.</summary>
    private async Task RemoveByServerAsync(SignalingRoom room, long userId, int code, string message, int closeCode, string reason)
    {
        SignalingSession? session;
        lock (room.Gate)
        {
            if (!room.Sessions.TryGetValue(userId, out session))
            {
                return;
            }
            if (session.Connection is { } connection)
            {
                connection.TryEnqueue(Frame(SignalingMessageType.Error, 0, null, session, new ErrorPayload(code, message, null)));
                connection.Close(closeCode, reason);
            }
            session.Connection = null;
            RemoveSessionLocked(session, reason);
        }
        if (session.Joined)
        {
            await AfterLeaveAsync(session, recordLeave: false);
        }
    }

    private void ChangeRole(SignalingRoom room, RoleChanged changed)
    {
        lock (room.Gate)
        {
            if (!room.Sessions.TryGetValue(changed.UserId, out var subject))
            {
                return;
            }
            subject.Role = changed.Role;
            if (room.ScreenSharer == subject.UserId && !MeetingPermissions.Allows(changed.Role, MeetingAction.ShareScreen))
            {
                room.ScreenSharer = 0;
                Broadcast(room.MeetingId, ServerFrame(SignalingMessageType.ScreenShare, room.MeetingId, new ScreenSharePayload("stop", subject.UserId, changed.ByUserId)));
            }
            if (!MeetingPermissions.Allows(changed.Role, MeetingAction.Publish))
            {
                subject.AudioMuted = true;
                subject.VideoOff = true;
            }
            // Everyone gets the room as they see it, with the new role (rare: one room-info per participant).
            foreach (var member in room.JoinedSessions())
            {
                member.Connection?.TryEnqueue(RoomInfoFrame(member, member.IceServers, "role-changed", resumed: false));
            }
        }
    }

    private void EndRoom(SignalingRoom room)
    {
        List<SignalingSession> ended;
        lock (room.Gate)
        {
            ended = [.. room.Sessions.Values];
            foreach (var session in ended)
            {
                if (session.Connection is { } connection)
                {
                    connection.TryEnqueue(Frame(SignalingMessageType.Error, 0, null, session, new ErrorPayload(ErrorCodes.MeetingEnded, "The meeting has ended.", null)));
                    connection.Close(SignalingCloseCodes.MeetingEnded, "meeting ended");
                }
                session.Connection = null;
            }
            room.Sessions.Clear();
            room.ScreenSharer = 0;
            _rooms.RemoveIfEmpty(room);
        }
        foreach (var session in ended)
        {
            if (session.Joined)
            {
                _ = AfterLeaveAsync(session, recordLeave: false);
            }
        }
    }
}
