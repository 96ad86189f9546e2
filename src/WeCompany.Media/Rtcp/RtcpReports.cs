using System.Buffers.Binary;

namespace WeCompany.Media.Rtcp;

/// <summary>A reception report block (RFC 3550 §6.4.1), 24 bytes on the wire.</summary>
/// <param name="Ssrc">The source this block reports on.</param>
/// <param name="FractionLost">Lost fraction since the last report, out of 256.</param>
/// <param name="CumulativeLost">Packets lost since the start (24-bit signed on the wire).</param>
/// <param name="HighestSequence">Extended highest sequence number received.</param>
/// <param name="Jitter">Interarrival jitter in timestamp units.</param>
/// <param name="LastSenderReport">Middle 32 bits of the last SR's NTP time.</param>
/// <param name="DelaySinceLastSenderReport">Delay since that SR in 1/65536 s.</param>
public readonly record struct ReportBlock(
    uint Ssrc,
    byte FractionLost,
    int CumulativeLost,
    uint HighestSequence,
    uint Jitter,
    uint LastSenderReport,
    uint DelaySinceLastSenderReport)
{
    /// <summary>Bytes of one block.</summary>
    public const int Length = 24;

    /// <summary>Reads a block; <paramref name="source"/> must hold 24 bytes.</summary>
    public static ReportBlock Read(ReadOnlySpan<byte> source)
    {
        // The 24-bit cumulative loss is signed: sign-extend it.
        var lost = (source[5] << 16) | (source[6] << 8) | source[7];
        if ((lost & 0x800000) != 0)
        {
            lost -= 0x1000000;
        }

        return new ReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(source),
            source[4],
            lost,
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[20..]));
    }

    /// <summary>Writes the block into 24 bytes; the cumulative loss is clamped to 24 signed bits.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Ssrc);
        destination[4] = FractionLost;
        var lost = Math.Clamp(CumulativeLost, -0x800000, 0x7FFFFF) & 0xFFFFFF;
        destination[5] = (byte)(lost >> 16);
        destination[6] = (byte)(lost >> 8);
        destination[7] = (byte)lost;
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], HighestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], DelaySinceLastSenderReport);
    }
}

/// <summary>A sender report (RFC 3550 §6.4.1) read from an <see cref="RtcpPacket"/>.</summary>
public readonly ref struct SenderReport
{
    private const int SenderInfoLength = 24;
    private readonly ReadOnlySpan<byte> _body;

    private SenderReport(ReadOnlySpan<byte> body, int count)
    {
        _body = body;
        ReportCount = count;
    }

    /// <summary>SSRC of the sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>64-bit NTP timestamp.</summary>
    public ulong NtpTimestamp => BinaryPrimitives.ReadUInt64BigEndian(_body[4..]);

    /// <summary>RTP timestamp matching <see cref="NtpTimestamp"/>.</summary>
    public uint RtpTimestamp => BinaryPrimitives.ReadUInt32BigEndian(_body[12..]);

    /// <summary>Packets sent.</summary>
    public uint PacketCount => BinaryPrimitives.ReadUInt32BigEndian(_body[16..]);

    /// <summary>Payload octets sent.</summary>
    public uint OctetCount => BinaryPrimitives.ReadUInt32BigEndian(_body[20..]);

    /// <summary>Number of report blocks.</summary>
    public int ReportCount { get; }

    /// <summary>Report block <paramref name="index"/>.</summary>
    public ReportBlock GetReportBlock(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)ReportCount, nameof(index));
        return ReportBlock.Read(_body.Slice(SenderInfoLength + (index * ReportBlock.Length), ReportBlock.Length));
    }

    /// <summary>Reads an SR; false when it is not one or its blocks do not fit.</summary>
    public static bool TryRead(RtcpPacket packet, out SenderReport report)
    {
        report = default;
        var count = packet.CountOrFormat;
        if (packet.PacketType != RtcpPacketType.SenderReport
            || packet.Body.Length < SenderInfoLength + (count * ReportBlock.Length))
        {
            return false;
        }

        report = new SenderReport(packet.Body, count);
        return true;
    }

    /// <summary>Writes an SR with the given blocks; returns its length.</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, ulong ntpTimestamp, uint rtpTimestamp,
        uint packetCount, uint octetCount, ReadOnlySpan<ReportBlock> blocks)
    {
        var length = 4 + SenderInfoLength + (blocks.Length * ReportBlock.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));
        RtcpHeader.Write(destination, RtcpPacketType.SenderReport, blocks.Length, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], ntpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], rtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], packetCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], octetCount);
        for (var i = 0; i < blocks.Length; i++)
        {
            blocks[i].Write(destination.Slice(28 + (i * ReportBlock.Length), ReportBlock.Length));
        }

        return length;
    }
}

/// <summary>A receiver report (RFC 3550 §6.4.2) read from an <see cref="RtcpPacket"/>.</summary>
public readonly ref struct ReceiverReport
{
    private readonly ReadOnlySpan<byte> _body;

    private ReceiverReport(ReadOnlySpan<byte> body, int count)
    {
        _body = body;
        ReportCount = count;
    }

    /// <summary>SSRC of the reporter.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>Number of report blocks.</summary>
    public int ReportCount { get; }

    /// <summary>Report block <paramref name="index"/>.</summary>
    public ReportBlock GetReportBlock(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)ReportCount, nameof(index));
        return ReportBlock.Read(_body.Slice(4 + (index * ReportBlock.Length), ReportBlock.Length));
    }

    /// <summary>Reads an RR; false when it is not one or its blocks do not fit.</summary>
    public static bool TryRead(RtcpPacket packet, out ReceiverReport report)
    {
        report = default;
        var count = packet.CountOrFormat;
        if (packet.PacketType != RtcpPacketType.ReceiverReport || packet.Body.Length < 4 + (count * ReportBlock.Length))
        {
            return false;
        }

        report = new ReceiverReport(packet.Body, count);
        return true;
    }

    /// <summary>Writes an RR with up to 31 blocks; returns its length.</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, ReadOnlySpan<ReportBlock> blocks)
    {
        var length = 8 + (blocks.Length * ReportBlock.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));
        RtcpHeader.Write(destination, RtcpPacketType.ReceiverReport, blocks.Length, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        for (var i = 0; i < blocks.Length; i++)
        {
            blocks[i].Write(destination.Slice(8 + (i * ReportBlock.Length), ReportBlock.Length));
        }

        return length;
    }
}

/// <summary>A BYE packet (RFC 3550 §6.6).</summary>
public readonly ref struct ByePacket
{
    private readonly ReadOnlySpan<byte> _body;

    private ByePacket(ReadOnlySpan<byte> body, int count, ReadOnlySpan<byte> reason)
    {
        _body = body;
        SourceCount = count;
        Reason = reason;
    }

    /// <summary>How many SSRC/CSRCs leave.</summary>
    public int SourceCount { get; }

    /// <summary>The optional UTF-8 reason.</summary>
    public ReadOnlySpan<byte> Reason { get; }

    /// <summary>Source <paramref name="index"/>.</summary>
    public uint GetSource(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)SourceCount, nameof(index));
        return BinaryPrimitives.ReadUInt32BigEndian(_body[(index * 4)..]);
    }

    /// <summary>Reads a BYE; false when the sources or the reason run past the packet.</summary>
    public static bool TryRead(RtcpPacket packet, out ByePacket bye)
    {
        bye = default;
        var count = packet.CountOrFormat;
        var body = packet.Body;
        if (packet.PacketType != RtcpPacketType.Bye || body.Length < count * 4)
        {
            return false;
        }

        ReadOnlySpan<byte> reason = default;
        var rest = body[(count * 4)..];
        if (!rest.IsEmpty)
        {
            // An 8-bit length, then the text.
            if (rest[0] > rest.Length - 1)
            {
                return false;
            }

            reason = rest.Slice(1, rest[0]);
        }

        bye = new ByePacket(body, count, reason);
        return true;
    }

    /// <summary>Writes a BYE for the given sources (no reason); returns its length.</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<uint> sources)
    {
        var length = 4 + (4 * sources.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));
        RtcpHeader.Write(destination, RtcpPacketType.Bye, sources.Length, length);
        for (var i = 0; i < sources.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(4 + (4 * i))..], sources[i]);
        }

        return length;
    }
}
