using System.Buffers.Binary;

namespace WeCompany.Media.Rtcp;

/// <summary>
/// RFC 4585 §6.1 feedback messages: common header, packet sender SSRC, media source SSRC, then the
/// feedback control information (FCI). Readers and writers for PLI, FIR, generic NACK and REMB.
/// </summary>
public static class RtcpFeedback
{
    /// <summary>Header plus the two SSRCs.</summary>
    public const int CommonLength = 12;

    /// <summary>The media source SSRC of a feedback packet.</summary>
    public static bool TryGetMediaSsrc(RtcpPacket packet, out uint mediaSsrc)
    {
        mediaSsrc = 0;
        if (packet.PacketType is not (RtcpPacketType.TransportFeedback or RtcpPacketType.PayloadFeedback) || packet.Body.Length < 8)
        {
            return false;
        }

        mediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet.Body[4..]);
        return true;
    }

    /// <summary>Whether the packet is a picture loss indication (RFC 4585 §6.3.1).</summary>
    public static bool IsPictureLossIndication(RtcpPacket packet) =>
        packet.PacketType == RtcpPacketType.PayloadFeedback
        && packet.CountOrFormat == RtcpFeedbackFormat.PictureLossIndication
        && packet.Body.Length >= 8;

    /// <summary>Writes a PLI asking <paramref name="mediaSsrc"/> for a key frame; returns 12.</summary>
    public static int WritePictureLossIndication(Span<byte> destination, uint senderSsrc, uint mediaSsrc) =>
        WriteCommon(destination, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication, CommonLength, senderSsrc, mediaSsrc);

    /// <summary>
    /// Writes a FIR (RFC 5104 §4.3.1) for one source; the media SSRC field is zero and the FCI names
    /// the source with a sequence number the sender increments per new request.
    /// </summary>
    public static int WriteFullIntraRequest(Span<byte> destination, uint senderSsrc, uint mediaSsrc, byte sequenceNumber)
    {
        var length = WriteCommon(destination, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.FullIntraRequest, CommonLength + 8, senderSsrc, 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], mediaSsrc);
        destination[16] = sequenceNumber;
        destination[17] = 0;
        destination[18] = 0;
        destination[19] = 0;
        return length;
    }

    /// <summary>Reads FIR entry <paramref name="index"/> (SSRC and sequence number); false past the end or on another type.</summary>
    public static bool TryGetFullIntraRequest(RtcpPacket packet, int index, out uint ssrc, out byte sequenceNumber)
    {
        ssrc = 0;
        sequenceNumber = 0;
        if (packet.PacketType != RtcpPacketType.PayloadFeedback || packet.CountOrFormat != RtcpFeedbackFormat.FullIntraRequest)
        {
            return false;
        }

        var offset = 8 + (index * 8);
        if (index < 0 || offset + 8 > packet.Body.Length)
        {
            return false;
        }

        ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet.Body[offset..]);
        sequenceNumber = packet.Body[offset + 4];
        return true;
    }

    /// <summary>Number of PID/BLP items in a generic NACK (RFC 4585 §6.2.1); -1 when the packet is not one.</summary>
    public static int GetNackItemCount(RtcpPacket packet) =>
        packet.PacketType == RtcpPacketType.TransportFeedback && packet.CountOrFormat == RtcpFeedbackFormat.GenericNack
            && packet.Body.Length >= 8 && (packet.Body.Length & 3) == 0
            ? (packet.Body.Length - 8) / 4
            : -1;

    /// <summary>
    /// Copies the sequence numbers a generic NACK reports lost into <paramref name="destination"/>
    /// (PID, then PID+i+1 for each set bit i of BLP); returns how many were written, stopping when full.
    /// </summary>
    public static int ReadNackSequenceNumbers(RtcpPacket packet, Span<ushort> destination)
    {
        var items = GetNackItemCount(packet);
        var written = 0;
        for (var item = 0; item < items && written < destination.Length; item++)
        {
            var fci = packet.Body.Slice(8 + (4 * item), 4);
            var pid = BinaryPrimitives.ReadUInt16BigEndian(fci);
            var blp = BinaryPrimitives.ReadUInt16BigEndian(fci[2..]);
            destination[written++] = pid;
            for (var bit = 0; bit < 16 && written < destination.Length; bit++)
            {
                if ((blp & (1 << bit)) != 0)
                {
                    destination[written++] = (ushort)(pid + bit + 1);
                }
            }
        }

        return written;
    }

    /// <summary>
    /// Writes a generic NACK for <paramref name="lost"/> (in ascending order, wrap allowed): each item
    /// takes a PID and the next 16 sequence numbers as a bitmask. Returns the length, or 0 when
    /// <paramref name="destination"/> is too small.
    /// </summary>
    public static int WriteNack(Span<byte> destination, uint senderSsrc, uint mediaSsrc, ReadOnlySpan<ushort> lost)
    {
        if (lost.IsEmpty || destination.Length < CommonLength + 4)
        {
            return 0;
        }

        var offset = CommonLength;
        var i = 0;
        while (i < lost.Length)
        {
            if (offset + 4 > destination.Length)
            {
                return 0;
            }

            var pid = lost[i++];
            ushort blp = 0;
            while (i < lost.Length)
            {
                var distance = (ushort)(lost[i] - pid);
                if (distance is 0 or > 16)
                {
                    break;
                }

                blp |= (ushort)(1 << (distance - 1));
                i++;
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], pid);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], blp);
            offset += 4;
        }

        return WriteCommon(destination, RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.GenericNack, offset, senderSsrc, mediaSsrc);
    }

    /// <summary>
    /// Writes REMB (draft-alvestrand-rmcat-remb-03 §2.2): "REMB", SSRC count, 6-bit exponent and
    /// 18-bit mantissa of the estimate in bit/s, then the SSRCs it applies to. Returns the length.
    /// </summary>
    public static int WriteRemb(Span<byte> destination, uint senderSsrc, ulong bitrate, ReadOnlySpan<uint> ssrcs)
    {
        if (ssrcs.Length > 255)
        {
            throw new ArgumentException("REMB lists at most 255 SSRCs.", nameof(ssrcs));
        }

        var length = CommonLength + 8 + (4 * ssrcs.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));
        // The media source SSRC is unused and zero.
        WriteCommon(destination, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.ApplicationLayer, length, senderSsrc, 0);
        "REMB"u8.CopyTo(destination[12..]);
        var exponent = 0;
        var mantissa = bitrate;
        while (mantissa > 0x3FFFF)
        {
            mantissa >>= 1;
            exponent++;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], ((uint)ssrcs.Length << 24) | ((uint)exponent << 18) | (uint)mantissa);
        for (var i = 0; i < ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(20 + (4 * i))..], ssrcs[i]);
        }

        return length;
    }

    /// <summary>Reads a REMB's estimate (bit/s) and SSRC count; false when the packet is not a well-formed REMB.</summary>
    public static bool TryReadRemb(RtcpPacket packet, out ulong bitrate, out int ssrcCount)
    {
        bitrate = 0;
        ssrcCount = 0;
        var body = packet.Body;
        if (packet.PacketType != RtcpPacketType.PayloadFeedback || packet.CountOrFormat != RtcpFeedbackFormat.ApplicationLayer
            || body.Length < 16 || !body.Slice(8, 4).SequenceEqual("REMB"u8))
        {
            return false;
        }

        var word = BinaryPrimitives.ReadUInt32BigEndian(body[12..]);
        ssrcCount = (int)(word >> 24);
        if (body.Length < 16 + (4 * ssrcCount))
        {
            return false;
        }

        var exponent = (int)((word >> 18) & 0x3F);
        var mantissa = (ulong)(word & 0x3FFFF);
        // A 6-bit exponent can push an 18-bit mantissa past 64 bits: saturate.
        bitrate = exponent + 18 > 64 || (mantissa << exponent) >> exponent != mantissa ? ulong.MaxValue : mantissa << exponent;
        return true;
    }

    /// <summary>REMB SSRC <paramref name="index"/>.</summary>
    public static uint GetRembSsrc(RtcpPacket packet, int index) =>
        BinaryPrimitives.ReadUInt32BigEndian(packet.Body[(16 + (4 * index))..]);

    private static int WriteCommon(Span<byte> destination, RtcpPacketType type, int format, int length, uint senderSsrc, uint mediaSsrc)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));
        RtcpHeader.Write(destination, type, format, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
        return length;
    }
}
