using System.Buffers;

namespace WeCompany.Protocol.Tcp;

/// <summary>
/// One decoded frame. <see cref="UserId"/> and <see cref="Data"/> are slices of the reader's buffer: they are
/// valid only until the buffer is advanced, so copy what must outlive the read.
/// </summary>
public readonly struct Frame(FrameType type, ReadOnlySequence<byte> userId, ReadOnlySequence<byte> data)
{
    /// <summary>The frame type.</summary>
    public FrameType Type { get; } = type;

    /// <summary>UTF-8 user id: the peer (client → server) or the sender (server → client).</summary>
    public ReadOnlySequence<byte> UserId { get; } = userId;

    /// <summary>The type's payload.</summary>
    public ReadOnlySequence<byte> Data { get; } = data;

    /// <summary>The user id as a string (allocates; for control frames).</summary>
    public string UserIdString() => FrameText.Decode(UserId);
}

/// <summary>Why a frame could not be decoded.</summary>
public enum FrameError
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The length field is smaller than type + userIdLen (for example 0 or 2).</summary>
    LengthTooSmall,

    /// <summary>The length field is over the configured maximum; refused before the body is buffered.</summary>
    TooLarge,

    /// <summary>userIdLen points past the end of the frame, or is over 256 bytes.</summary>
    UserIdOutOfRange,

    /// <summary>The userId is not valid UTF-8.</summary>
    UserIdNotUtf8,

    /// <summary>The type is not one this version knows.</summary>
    UnknownType,
}

/// <summary>The outcome of one <see cref="FrameReader.TryRead"/>.</summary>
public enum FrameReadStatus
{
    /// <summary>A frame was decoded and the buffer advanced past it.</summary>
    Complete,

    /// <summary>More bytes are needed; the buffer is unchanged.</summary>
    Incomplete,

    /// <summary>The frame is well delimited but invalid (<see cref="FrameError.UserIdNotUtf8"/>, <see cref="FrameError.UnknownType"/>): the buffer was advanced past it, the stream can go on.</summary>
    Skipped,

    /// <summary>The stream cannot be delimited any more (bad length or userIdLen): close the connection.</summary>
    Fatal,
}
