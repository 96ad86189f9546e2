using System.Buffers;
using System.Buffers.Binary;
using WeCompany.Media.Rtp;

namespace WeCompany.Media.Forwarding;

// RFC 4588 retransmissions toward the subscriber: when it negotiated an rtx format for the forwarded codec, a NACKed
// packet goes out on the RTX SSRC (its own sequence numbers, the original timestamp) with the original sequence
// number (OSN, in the subscriber's numbering) in front of the payload, so its jitter buffer and loss statistics
// can tell repairs from new packets.
public sealed partial class DownTrack
{
    private volatile RtxOutput? _rtx;
    private ushort _rtxSequence = (ushort)Random.Shared.Next(ushort.MaxValue + 1);

    /// <summary>The RTX SSRC announced in the subscriber's SDP (FID group), or null while retransmissions use the primary SSRC.</summary>
    public uint? RtxSsrc => _rtx?.Ssrc;

    /// <summary>
    /// Sends retransmissions as RTX on <paramref name="rtxSsrc"/>. <paramref name="rtxPayloadTypes"/> has 128 entries:
    /// for each payload type the subscriber receives (after <see cref="SetPayloadTypeMap"/>), its rtx format (apt=),
    /// or 0 when that format has none (those packets are resent as they were).
    /// </summary>
    public void EnableRtx(uint rtxSsrc, ReadOnlySpan<byte> rtxPayloadTypes)
    {
        if (rtxPayloadTypes.Length != 128)
        {
            throw new ArgumentException("An RTX payload type table has 128 entries.", nameof(rtxPayloadTypes));
        }

        _rtx = new RtxOutput(rtxSsrc, rtxPayloadTypes.ToArray());
    }

    /// <summary>Retransmissions go out as the original packets again.</summary>
    public void DisableRtx() => _rtx = null;

    // Receive loop (a subscriber's NACK): false when this packet has no RTX format and must be resent as it was.
    private bool TrySendRtx(RtpPacket packet, ushort sequence, uint timestamp)
    {
        var rtx = _rtx;
        if (rtx is null)
        {
            return false;
        }

        var outgoingType = _payloadTypes is { } map ? map[packet.PayloadType & 0x7F] : packet.PayloadType;
        var rtxType = rtx.PayloadTypes[outgoingType & 0x7F];
        if (rtxType == 0)
        {
            return false;
        }

        var outgoing = ArrayPool<byte>.Shared.Rent(2048);
        try
        {
            var source = packet.Buffer;
            var csrcBytes = 4 * packet.CsrcCount;
            // RFC 4588 §4: same timestamp and marker, own SSRC and sequence; no header extension, no padding.
            outgoing[0] = (byte)(0x80 | packet.CsrcCount);
            outgoing[1] = (byte)((source[1] & 0x80) | rtxType);
            BinaryPrimitives.WriteUInt16BigEndian(outgoing.AsSpan(2), _rtxSequence++);
            BinaryPrimitives.WriteUInt32BigEndian(outgoing.AsSpan(4), timestamp);
            BinaryPrimitives.WriteUInt32BigEndian(outgoing.AsSpan(8), rtx.Ssrc);
            source.Slice(RtpPacket.FixedHeaderLength, csrcBytes).CopyTo(outgoing.AsSpan(RtpPacket.FixedHeaderLength));
            var offset = RtpPacket.FixedHeaderLength + csrcBytes;
            BinaryPrimitives.WriteUInt16BigEndian(outgoing.AsSpan(offset), sequence);
            packet.Payload.CopyTo(outgoing.AsSpan(offset + 2));
            var length = offset + 2 + packet.Payload.Length;
            if (Subscriber.SendRtp(outgoing, length))
            {
                Interlocked.Increment(ref _packetsSent);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(outgoing);
        }

        return true;
    }

    private sealed record RtxOutput(uint Ssrc, byte[] PayloadTypes);
}
