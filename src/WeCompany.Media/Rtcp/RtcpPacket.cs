using System.Buffers.Binary;

namespace WeCompany.Media.Rtcp;

/// <summary>RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1).</summary>
public enum RtcpPacketType : byte
{
    /// <summary>Sender report.</summary>
    SenderReport = 200,

    /// <summary>Receiver report.</summary>
    ReceiverReport = 201,

    /// <summary>Source description.</summary>
    SourceDescription = 202,

    /// <summary>Goodbye.</summary>
    Bye = 203,

    /// <summary>Application-defined.</summary>
    App = 204,

    /// <summary>Transport-layer feedback (generic NACK, transport-cc).</summary>
    TransportFeedback = 205,

    /// <summary>Payload-specific feedback (PLI, FIR, REMB).</summary>
    PayloadFeedback = 206,
}

/// <summary>Feedback message types (FMT) inside <see cref="RtcpPacketType.TransportFeedback"/> and <see cref="RtcpPacketType.PayloadFeedback"/>.</summary>
public static class RtcpFeedbackFormat
{
    /// <summary>RFC 4585 §6.2.1: generic NACK (RTPFB).</summary>
    public const int GenericNack = 1;

    /// <summary>draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1: transport-cc (RTPFB).</summary>
    public const int TransportCc = 15;

    /// <summary>RFC 4585 §6.3.1: picture loss indication (PSFB).</summary>
    public const int PictureLossIndication = 1;

    /// <summary>RFC 5104 §4.3.1: full intra request (PSFB).</summary>
    public const int FullIntraRequest = 4;

    /// <summary>RFC 4585 §6.4: application layer feedback, used by REMB (PSFB).</summary>
    public const int ApplicationLayer = 15;
}

/// <summary>
/// One RTCP packet inside a compound packet: the 4-byte header (RFC 3550 §6.4.1) and its body,
/// with any padding already removed from <see cref="Body"/>.
/// </summary>
public readonly ref struct RtcpPacket
{
    internal RtcpPacket(ReadOnlySpan<byte> packet, int paddingLength)
    {
        Buffer = packet;
        Body = packet[4..^paddingLength];
    }

    /// <summary>The whole packet, header and padding included.</summary>
    public ReadOnlySpan<byte> Buffer { get; }

    /// <summary>Everything after the 4-byte header, without padding.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>Packet type (200..206 for the ones we read).</summary>
    public RtcpPacketType PacketType => (RtcpPacketType)Buffer[1];

    /// <summary>The 5-bit field: reception report count, source count, or feedback format (FMT).</summary>
    public int CountOrFormat => Buffer[0] & 0x1F;

    /// <summary>The first SSRC after the header (sender / packet sender), when the body has one.</summary>
    public uint SenderSsrc => Body.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(Body) : 0;
}

/// <summary>
/// Iterates the packets of a compound RTCP packet with bounds checks. Stops at the first malformed
/// packet and says so in <see cref="IsMalformed"/>; nothing is allocated.
/// </summary>
public ref struct RtcpCompoundReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _offset;

    /// <summary>Reads the compound packet in <paramref name="buffer"/> (already decrypted).</summary>
    public RtcpCompoundReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _offset = 0;
        IsMalformed = false;
    }

    /// <summary>True once a packet failed its checks; the packets before it were returned.</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>Returns the next packet, or false at the end or on a malformed packet.</summary>
    public bool TryReadNext(out RtcpPacket packet)
    {
        packet = default;
        if (IsMalformed || _offset >= _buffer.Length)
        {
            return false;
        }

        var rest = _buffer[_offset..];
        // RFC 3550 §6.4.1: V=2; length is the packet size in 32-bit words minus one.
        if (rest.Length < 4 || rest[0] >> 6 != 2)
        {
            IsMalformed = true;
            return false;
        }

        var length = 4 * (BinaryPrimitives.ReadUInt16BigEndian(rest[2..]) + 1);
        if (length > rest.Length)
        {
            IsMalformed = true;
            return false;
        }

        var bytes = rest[..length];
        var padding = 0;
        if ((bytes[0] & 0x20) != 0)
        {
            // RFC 3550 §6.4.1: the last octet counts the padding, itself included.
            padding = bytes[^1];
            if (padding == 0 || padding > length - 4)
            {
                IsMalformed = true;
                return false;
            }
        }

        _offset += length;
        packet = new RtcpPacket(bytes, padding);
        return true;
    }

    /// <summary>Whether <paramref name="buffer"/> is a well-formed compound packet from end to end.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> buffer)
    {
        var reader = new RtcpCompoundReader(buffer);
        var count = 0;
        while (reader.TryReadNext(out _))
        {
            count++;
        }

        return !reader.IsMalformed && count > 0;
    }
}

/// <summary>Writes the common RTCP header.</summary>
public static class RtcpHeader
{
    /// <summary>Writes V=2, P, count/FMT, type and the length of a <paramref name="totalLength"/>-byte packet.</summary>
    public static void Write(Span<byte> destination, RtcpPacketType type, int countOrFormat, int totalLength, bool padding = false)
    {
        if ((totalLength & 3) != 0 || totalLength < 4 || countOrFormat is < 0 or > 31)
        {
            throw new ArgumentOutOfRangeException(nameof(totalLength), "RTCP packets are whole 32-bit words; counts fit 5 bits.");
        }

        destination[0] = (byte)(0x80 | (padding ? 0x20 : 0) | countOrFormat);
        destination[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((totalLength / 4) - 1));
    }
}
