namespace WeCompany.Protocol.Tcp;

/// <summary>
/// Sizes of the frame layout <c>[u32 length][u8 type][u16 userIdLen][userId][data]</c>, all big-endian
/// (architecture.md "TCP framing": the specification's message preceded by the length of everything after it).
/// </summary>
public static class FrameFormat
{
    /// <summary>Bytes of the length prefix.</summary>
    public const int LengthPrefixBytes = 4;

    /// <summary>Bytes after the length prefix that every frame has: type (1) and userIdLen (2).</summary>
    public const int MinimumLength = 3;

    /// <summary>Bytes before the userId: length, type, userIdLen.</summary>
    public const int HeaderBytes = LengthPrefixBytes + MinimumLength;

    /// <summary>The longest userId accepted, in UTF-8 bytes.</summary>
    public const int MaxUserIdBytes = 256;

    /// <summary>The default maximum frame size (length field value): 1 MiB.</summary>
    public const int DefaultMaxFrameBytes = 1024 * 1024;

    /// <summary>The longest call id inside MEDIA_DATA (it has a one-byte length).</summary>
    public const int MaxCallIdBytes = 255;

    /// <summary>The size on the wire of a frame with these parts.</summary>
    public static int WireSize(int userIdBytes, int dataBytes) => HeaderBytes + userIdBytes + dataBytes;
}
