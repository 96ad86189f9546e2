namespace WeCompany.Protocol.Signaling;

/// <summary>The specification's 14 numeric signaling message types ("消息类型").</summary>
public enum SignalingMessageType
{
    /// <summary>WebRTC offer (SDP), relayed to <c>to_user_id</c> or handed to the SFU.</summary>
    Offer = 1,
    /// <summary>WebRTC answer (SDP).</summary>
    Answer = 2,
    /// <summary>A trickled ICE candidate.</summary>
    IceCandidate = 3,
    /// <summary>Client asks to enter the room; answered with <see cref="RoomInfo"/>.</summary>
    JoinRoom = 4,
    /// <summary>Client leaves the room for good.</summary>
    LeaveRoom = 5,
    /// <summary>Server tells the room someone joined.</summary>
    UserJoined = 6,
    /// <summary>Server tells the room someone left.</summary>
    UserLeft = 7,
    /// <summary>Chat message (stored, numbered, then delivered).</summary>
    Chat = 8,
    /// <summary>Screen sharing start / stop / grant / revoke.</summary>
    ScreenShare = 9,
    /// <summary>Mute, unmute, video on / off.</summary>
    MediaControl = 10,
    /// <summary>Heartbeat from the client.</summary>
    Ping = 11,
    /// <summary>Heartbeat answer from the server.</summary>
    Pong = 12,
    /// <summary>An error; payload <see cref="ErrorPayload"/>.</summary>
    Error = 13,
    /// <summary>The room's state, sent to a joiner.</summary>
    RoomInfo = 14,
}
