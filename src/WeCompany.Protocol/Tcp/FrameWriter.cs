using System.Buffers;
using System.Buffers.Binary;

namespace WeCompany.Protocol.Tcp;

/// <summary>
/// Encodes frames <c>[u32 length][u8 type][u16 userIdLen][userId][data]</c> (big-endian) into an
/// <see cref="IBufferWriter{T}"/> or a span. Allocation-free; stateless.
/// </summary>
public static class FrameWriter
{
    /// <summary>Writes the 7-byte header for a frame whose userId and data have the given sizes.</summary>
    public static void WriteHeader(Span<byte> destination, FrameType type, int userIdLength, int dataLength)
    {
        if ((uint)userIdLength > FrameFormat.MaxUserIdBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(userIdLength), "A userId is at most 256 bytes.");
        }
        BinaryPrimitives.WriteUInt32BigEndian(destination, checked((uint)(FrameFormat.MinimumLength + userIdLength + dataLength)));
        destination[4] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[5..], (ushort)userIdLength);
    }

    /// <summary>Encodes a whole frame into <paramref name="destination"/>; answers the bytes written.</summary>
    public static int Encode(Span<byte> destination, FrameType type, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> data)
    {
        var size = FrameFormat.WireSize(userId.Length, data.Length);
        WriteHeader(destination, type, userId.Length, data.Length);
        userId.CopyTo(destination[FrameFormat.HeaderBytes..]);
        data.CopyTo(destination[(FrameFormat.HeaderBytes + userId.Length)..]);
        return size;
    }

    /// <summary>Writes a whole frame; answers the bytes written.</summary>
    public static int Write(IBufferWriter<byte> writer, FrameType type, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> data)
    {
        var size = FrameFormat.WireSize(userId.Length, data.Length);
        var span = writer.GetSpan(size);
        Encode(span, type, userId, data);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes a whole frame whose data is a sequence (for example a slice of a read buffer).</summary>
    public static int Write(IBufferWriter<byte> writer, FrameType type, ReadOnlySpan<byte> userId, in ReadOnlySequence<byte> data)
    {
        var dataLength = checked((int)data.Length);
        var head = writer.GetSpan(FrameFormat.HeaderBytes + userId.Length);
        WriteHeader(head, type, userId.Length, dataLength);
        userId.CopyTo(head[FrameFormat.HeaderBytes..]);
        writer.Advance(FrameFormat.HeaderBytes + userId.Length);
        foreach (var segment in data)
        {
            writer.Write(segment.Span);
        }
        return FrameFormat.WireSize(userId.Length, dataLength);
    }
}
