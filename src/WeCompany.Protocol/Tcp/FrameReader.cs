using System.Buffers;
using System.Buffers.Binary;

namespace WeCompany.Protocol.Tcp;

/// <summary>
/// Decodes frames <c>[u32 length][u8 type][u16 userIdLen][userId][data]</c> (big-endian, length = bytes after the
/// length field) from a <see cref="ReadOnlySequence{T}"/>. Limits are checked as soon as the fields that carry them
/// have arrived, so an oversized frame is refused before its body is buffered. Allocation-free; stateless.
/// </summary>
public static class FrameReader
{
    /// <summary>
    /// Tries to take one frame off the front of <paramref name="buffer"/>. On <see cref="FrameReadStatus.Complete"/> and
    /// <see cref="FrameReadStatus.Skipped"/> the buffer is advanced past the frame; otherwise it is unchanged.
    /// </summary>
    /// <param name="buffer">Bytes received and not yet consumed.</param>
    /// <param name="maxFrameBytes">The largest length field accepted.</param>
    /// <param name="frame">The frame (also set for <see cref="FrameReadStatus.Skipped"/>, so the caller can answer it).</param>
    /// <param name="error">Why the frame was skipped or the stream is fatal.</param>
    public static FrameReadStatus TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out Frame frame, out FrameError error)
    {
        frame = default;
        error = FrameError.None;
        if (buffer.Length < FrameFormat.LengthPrefixBytes)
        {
            return FrameReadStatus.Incomplete;
        }

        Span<byte> header = stackalloc byte[FrameFormat.HeaderBytes];
        var available = (int)Math.Min(buffer.Length, FrameFormat.HeaderBytes);
        buffer.Slice(0, available).CopyTo(header);

        // architecture.md "TCP framing": u32 big-endian length of everything after the length field.
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length < FrameFormat.MinimumLength)
        {
            error = FrameError.LengthTooSmall;
            return FrameReadStatus.Fatal;
        }
        if (length > (uint)maxFrameBytes)
        {
            error = FrameError.TooLarge;
            return FrameReadStatus.Fatal;
        }
        if (available < FrameFormat.HeaderBytes)
        {
            return FrameReadStatus.Incomplete;
        }

        var type = header[4];
        var userIdLength = BinaryPrimitives.ReadUInt16BigEndian(header[5..]);
        if (userIdLength > length - FrameFormat.MinimumLength || userIdLength > FrameFormat.MaxUserIdBytes)
        {
            error = FrameError.UserIdOutOfRange;
            return FrameReadStatus.Fatal;
        }
        var total = FrameFormat.LengthPrefixBytes + (long)length;
        if (buffer.Length < total)
        {
            return FrameReadStatus.Incomplete;
        }

        var whole = buffer.Slice(0, total);
        var userId = whole.Slice(FrameFormat.HeaderBytes, userIdLength);
        var data = whole.Slice(FrameFormat.HeaderBytes + userIdLength);
        frame = new Frame((FrameType)type, userId, data);
        buffer = buffer.Slice(total);

        if (!FrameTypes.IsKnown(type))
        {
            error = FrameError.UnknownType;
            return FrameReadStatus.Skipped;
        }
        if (!FrameText.IsValidUtf8(userId))
        {
            error = FrameError.UserIdNotUtf8;
            return FrameReadStatus.Skipped;
        }
        return FrameReadStatus.Complete;
    }
}
