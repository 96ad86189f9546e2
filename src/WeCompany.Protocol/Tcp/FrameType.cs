namespace WeCompany.Protocol.Tcp;

/// <summary>
/// The frame types of the WeCompany TCP protocol. 0–7 are the specification's values
/// (wecompany-server-readme.md, "消息类型"); 8 and 9 are ours (docs/protocol/tcp.md).
/// </summary>
public enum FrameType : byte
{
    /// <summary>UTF-8 text to one user.</summary>
    Text = 0,

    /// <summary>A file to one user: <c>[u16 nameLen][name][bytes]</c>.</summary>
    File = 1,

    /// <summary>Place a call; JSON <c>{"video": bool}</c>.</summary>
    CallRequest = 2,

    /// <summary>Accept a ringing call; JSON <c>{"call_id"}</c>.</summary>
    CallAccept = 3,

    /// <summary>Reject a ringing call; JSON <c>{"call_id", "reason"}</c>.</summary>
    CallReject = 4,

    /// <summary>End a call; JSON <c>{"call_id"}</c>.</summary>
    CallEnd = 5,

    /// <summary>Real-time media of an accepted call: <c>[u8 callIdLen][callId][media]</c>.</summary>
    MediaData = 6,

    /// <summary>Keep-alive; the server answers each.</summary>
    Heartbeat = 7,

    /// <summary>Client → server: userId = own user id, data = access token. Server → client: the result.</summary>
    Register = 8,

    /// <summary>Server → client: JSON <c>{"code", "message"}</c>.</summary>
    Error = 9,
}

/// <summary>Helpers over <see cref="FrameType"/>.</summary>
public static class FrameTypes
{
    /// <summary>The highest type value this version understands.</summary>
    public const FrameType Last = FrameType.Error;

    /// <summary>True for a type this version understands.</summary>
    public static bool IsKnown(byte value) => value <= (byte)Last;

    /// <summary>Media is real-time: it may be dropped under pressure; every other frame may not.</summary>
    public static bool IsDroppable(FrameType type) => type == FrameType.MediaData;
}
