using System.Buffers;
using System.Buffers.Binary;

namespace WeCompany.Media.Ice;

/// <summary>
/// RFC 4571 §2 framing used by ICE-TCP (RFC 6544 §3): every STUN, DTLS, RTP or RTCP packet on the
/// stream is preceded by its length as a 16-bit big-endian integer.
/// </summary>
public static class IceTcpFraming
{
    /// <summary>The 2-byte length prefix.</summary>
    public const int HeaderLength = 2;

    /// <summary>The largest packet a 16-bit length can frame.</summary>
    public const int MaxPacketLength = ushort.MaxValue;

    /// <summary>
    /// Takes one complete frame off the front of <paramref name="buffer"/> (a pipe's read buffer) and
    /// advances it. Returns false, leaving the buffer as it was, until the whole frame has arrived.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> packet)
    {
        packet = default;
        if (buffer.Length < HeaderLength)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        int length = BinaryPrimitives.ReadUInt16BigEndian(header);
        if (buffer.Length - HeaderLength < length)
        {
            return false;
        }

        packet = buffer.Slice(HeaderLength, length);
        buffer = buffer.Slice(HeaderLength + length);
        return true;
    }

    /// <summary>The same over a contiguous buffer: the frame's payload and how many bytes it used.</summary>
    public static bool TryReadFrame(ReadOnlySpan<byte> buffer, out ReadOnlySpan<byte> packet, out int consumed)
    {
        packet = default;
        consumed = 0;
        if (buffer.Length < HeaderLength)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        if (buffer.Length - HeaderLength < length)
        {
            return false;
        }

        packet = buffer.Slice(HeaderLength, length);
        consumed = HeaderLength + length;
        return true;
    }

    /// <summary>Writes the length prefix and the packet into <paramref name="destination"/>.</summary>
    public static bool TryWriteFrame(ReadOnlySpan<byte> packet, Span<byte> destination, out int written)
    {
        written = 0;
        if (packet.Length > MaxPacketLength || destination.Length < HeaderLength + packet.Length)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)packet.Length);
        packet.CopyTo(destination[HeaderLength..]);
        written = HeaderLength + packet.Length;
        return true;
    }

    /// <summary>
    /// Writes only the prefix, for a packet already placed at <c>destination[2..]</c> (write the
    /// packet 2 bytes into a buffer, then prefix it, to avoid a copy).
    /// </summary>
    public static void WriteHeader(Span<byte> destination, int packetLength)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(packetLength, MaxPacketLength);
        ArgumentOutOfRangeException.ThrowIfNegative(packetLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)packetLength);
    }
}
