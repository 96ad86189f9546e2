using System.Buffers.Binary;

namespace WeCompany.Media.Tests.Srtp;

/// <summary>Builds plain RTP and RTCP packets for the SRTP tests.</summary>
internal static class RtpPackets
{
    public static byte[] Rtp(ushort sequence, uint ssrc = 0x11223344, int payloadLength = 160, int spare = 32)
    {
        var packet = new byte[12 + payloadLength + spare];
        packet[0] = 0x80;
        packet[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), sequence * 960u);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        for (var i = 0; i < payloadLength; i++)
        {
            packet[12 + i] = (byte)(i * 7 + sequence);
        }

        return packet;
    }

    /// <summary>A receiver report with one report block (RFC 3550 §6.4.2).</summary>
    public static byte[] ReceiverReport(uint ssrc = 0x11223344, int spare = 32)
    {
        var packet = new byte[32 + spare];
        packet[0] = 0x81;
        packet[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 7);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), ssrc);
        for (var i = 8; i < 32; i++)
        {
            packet[i] = (byte)(i * 13);
        }

        return packet;
    }

    public const int RtcpLength = 32;
}
