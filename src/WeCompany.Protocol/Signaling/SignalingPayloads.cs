using System.Text.Json.Serialization;
using WeCompany.Protocol.Rest;

namespace WeCompany.Protocol.Signaling;

/// <summary>
/// One participant as room-info lists it and user-joined announces it. The first seven fields are the
/// specification's; role, display name and media state are ours.
/// </summary>
public sealed record ParticipantInfo(
    long UserId,
    string Username,
    string SessionId,
    string PeerId,
    DateTimeOffset JoinedAt,
    DateTimeOffset LastActiveAt,
    bool IsSelf,
    string DisplayName,
    string Role,
    bool AudioMuted,
    bool VideoOff,
    bool ScreenSharing);

/// <summary>
/// Type 14 room-info: the room as the recipient sees it. <c>participants</c> lists everyone joined, the
/// recipient included (<c>is_self</c>). <c>resumed</c> is true when a reconnect took over its session;
/// <c>last_chat_seq</c> is the newest chat sequence number of the meeting; <c>reason</c> says why it was
/// sent ("join", "resume", "role-changed").
/// </summary>
public sealed record RoomInfoPayload(
    long MeetingId,
    int ParticipantCount,
    string SessionId,
    string PeerId,
    IReadOnlyList<IceServer> IceServers,
    IReadOnlyList<ParticipantInfo> Participants,
    long? ScreenSharerUserId,
    bool Resumed,
    long LastChatSeq,
    string Reason);

/// <summary>Type 7 user-left: who left and why ("left", "disconnected", "kicked", "replaced", "meeting-ended").</summary>
public sealed record UserLeftPayload(long UserId, string PeerId, string SessionId, string Reason);

/// <summary>
/// Type 8 chat as delivered: the specification's <c>content, user_id, username, meeting_id</c> plus the
/// per-meeting sequence number, the private recipient (null for everyone) and the stored time.
/// <c>user_id</c> 0 marks a notice posted by the server.
/// </summary>
public sealed record ChatPayload(
    string Content,
    long UserId,
    string Username,
    long MeetingId,
    long Seq,
    long? ToUserId,
    DateTimeOffset SentAt);

/// <summary>Type 9 screen-share: <c>action</c> start / stop / grant / revoke, <c>user_id</c> the sharer or grantee.</summary>
public sealed record ScreenSharePayload(string Action, long UserId, long ByUserId);

/// <summary>
/// Type 10 media-control: the specification's <c>action, media_type, user_id, peer_id</c> plus who issued it.
/// Actions: mute, unmute, video_on, video_off; from the server also mute_all (user_id 0: everyone but
/// <c>by_user_id</c>) and request_unmute (a moderator asks <c>user_id</c> to unmute).
/// </summary>
public sealed record MediaControlPayload(
    string Action,
    string MediaType,
    long UserId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PeerId,
    long ByUserId);

/// <summary>Type 13 error: a business code (ErrorCodes), a message, and the id of the message it answers.</summary>
public sealed record ErrorPayload(int Code, string Message, string? RefId);

/// <summary>An empty payload (<c>{}</c>), as ping and pong carry.</summary>
public sealed record EmptyPayload
{
    /// <summary>The one instance.</summary>
    public static readonly EmptyPayload Instance = new();
}

/// <summary>One stored chat message as the history endpoint returns it.</summary>
public sealed record ChatHistoryItem(
    long Seq,
    string Id,
    long FromUserId,
    string Username,
    long? ToUserId,
    string Content,
    DateTimeOffset SentAt);

/// <summary>GET /api/v1/meetings/{id}/messages: messages after <c>after_seq</c>, oldest first.</summary>
public sealed record ChatHistoryPage(IReadOnlyList<ChatHistoryItem> Messages, long NextAfterSeq, bool HasMore);
