using System.Buffers.Binary;

namespace WeCompany.Media.Rtcp;

/// <summary>One packet's fate in a transport-cc feedback.</summary>
/// <param name="SequenceNumber">Transport-wide sequence number.</param>
/// <param name="Received">Whether it arrived.</param>
/// <param name="ArrivalTimeMicroseconds">When it arrived on the feedback sender's clock (reference time plus deltas); 0 when lost.</param>
public readonly record struct TransportCcPacketStatus(ushort SequenceNumber, bool Received, long ArrivalTimeMicroseconds);

/// <summary>Reads transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).</summary>
public static class TransportCcFeedback
{
    /// <summary>Whether the packet is transport-cc feedback with a complete fixed part.</summary>
    public static bool IsTransportCc(RtcpPacket packet) =>
        packet.PacketType == RtcpPacketType.TransportFeedback
        && packet.CountOrFormat == RtcpFeedbackFormat.TransportCc
        && packet.Body.Length >= 16;

    /// <summary>The fixed fields: base sequence number, status count, reference time (64 ms units), feedback count.</summary>
    public static bool TryReadHeader(RtcpPacket packet, out ushort baseSequence, out int statusCount, out int referenceTime, out byte feedbackCount)
    {
        baseSequence = 0;
        statusCount = 0;
        referenceTime = 0;
        feedbackCount = 0;
        if (!IsTransportCc(packet))
        {
            return false;
        }

        var body = packet.Body;
        baseSequence = BinaryPrimitives.ReadUInt16BigEndian(body[8..]);
        statusCount = BinaryPrimitives.ReadUInt16BigEndian(body[10..]);
        // 24-bit signed reference time.
        referenceTime = (body[12] << 16) | (body[13] << 8) | body[14];
        if ((referenceTime & 0x800000) != 0)
        {
            referenceTime -= 0x1000000;
        }

        feedbackCount = body[15];
        return true;
    }

    /// <summary>
    /// Decodes every packet status into <paramref name="destination"/> (which must hold the status
    /// count). Returns how many were written, or -1 when chunks or deltas run past the packet.
    /// </summary>
    public static int ReadStatuses(RtcpPacket packet, Span<TransportCcPacketStatus> destination)
    {
        if (!TryReadHeader(packet, out var baseSequence, out var statusCount, out var referenceTime, out _)
            || destination.Length < statusCount)
        {
            return -1;
        }

        var body = packet.Body;
        var offset = 16;
        Span<byte> symbols = statusCount <= 4096 ? stackalloc byte[statusCount] : new byte[statusCount];
        var filled = 0;
        while (filled < statusCount)
        {
            if (offset + 2 > body.Length)
            {
                return -1;
            }

            var chunk = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
            offset += 2;
            if ((chunk & 0x8000) == 0)
            {
                var symbol = (byte)((chunk >> 13) & 0x3);
                var run = Math.Min(chunk & 0x1FFF, statusCount - filled);
                symbols.Slice(filled, run).Fill(symbol);
                filled += run;
            }
            else if ((chunk & 0x4000) == 0)
            {
                for (var k = 0; k < 14 && filled < statusCount; k++)
                {
                    symbols[filled++] = (byte)((chunk >> (13 - k)) & 0x1);
                }
            }
            else
            {
                for (var k = 0; k < 7 && filled < statusCount; k++)
                {
                    symbols[filled++] = (byte)((chunk >> (12 - (2 * k))) & 0x3);
                }
            }
        }

        var time = referenceTime * 64_000L;
        for (var i = 0; i < statusCount; i++)
        {
            var sequence = (ushort)(baseSequence + i);
            switch (symbols[i])
            {
                case 0:
                    destination[i] = new TransportCcPacketStatus(sequence, false, 0);
                    break;
                case 1:
                    if (offset + 1 > body.Length)
                    {
                        return -1;
                    }

                    time += body[offset++] * 250L;
                    destination[i] = new TransportCcPacketStatus(sequence, true, time);
                    break;
                case 2:
                    if (offset + 2 > body.Length)
                    {
                        return -1;
                    }

                    time += BinaryPrimitives.ReadInt16BigEndian(body[offset..]) * 250L;
                    offset += 2;
                    destination[i] = new TransportCcPacketStatus(sequence, true, time);
                    break;
                default:
                    return -1; // symbol 3 is reserved
            }
        }

        return statusCount;
    }
}
