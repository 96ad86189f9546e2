using System.Buffers.Binary;

namespace WeCompany.Media.Rtcp;

/// <summary>
/// SDES (RFC 3550 §6.5). Received SDES is skipped by the SFU; it writes one CNAME chunk so its
/// compound packets (SR + SDES) follow RFC 3550 §6.1.
/// </summary>
public static class SourceDescription
{
    /// <summary>RFC 3550 §6.5.1: the CNAME item type.</summary>
    public const byte CnameItem = 1;

    /// <summary>Writes an SDES packet with one chunk holding <paramref name="cname"/> (≤ 255 bytes); returns its length.</summary>
    public static int WriteCname(Span<byte> destination, uint ssrc, ReadOnlySpan<byte> cname)
    {
        if (cname.Length > 255)
        {
            throw new ArgumentException("An SDES item holds at most 255 bytes.", nameof(cname));
        }

        // Chunk: SSRC, item (type, length, text), then at least one null octet ending the item list,
        // padded with nulls to a 32-bit boundary.
        var chunk = 4 + 2 + cname.Length + 1;
        var padded = (chunk + 3) & ~3;
        var length = 4 + padded;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));
        RtcpHeader.Write(destination, RtcpPacketType.SourceDescription, 1, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        destination[8] = CnameItem;
        destination[9] = (byte)cname.Length;
        cname.CopyTo(destination[10..]);
        destination[(10 + cname.Length)..length].Clear();
        return length;
    }

    /// <summary>Finds the CNAME of the first chunk; false when absent or the items run past the packet.</summary>
    public static bool TryReadFirstCname(RtcpPacket packet, out uint ssrc, out ReadOnlySpan<byte> cname)
    {
        ssrc = 0;
        cname = default;
        var body = packet.Body;
        if (packet.PacketType != RtcpPacketType.SourceDescription || packet.CountOrFormat == 0 || body.Length < 4)
        {
            return false;
        }

        ssrc = BinaryPrimitives.ReadUInt32BigEndian(body);
        var offset = 4;
        while (offset < body.Length && body[offset] != 0)
        {
            if (offset + 2 > body.Length || offset + 2 + body[offset + 1] > body.Length)
            {
                return false;
            }

            if (body[offset] == CnameItem)
            {
                cname = body.Slice(offset + 2, body[offset + 1]);
                return true;
            }

            offset += 2 + body[offset + 1];
        }

        return false;
    }
}
