namespace WeCompany.Media.Ice;

/// <summary>What a datagram arriving on the shared media port carries.</summary>
public enum PacketKind
{
    /// <summary>Nothing we demultiplex (ZRTP, TURN channel data, empty, or unknown).</summary>
    Unknown,

    /// <summary>STUN (first byte 0..3).</summary>
    Stun,

    /// <summary>DTLS (first byte 20..63).</summary>
    Dtls,

    /// <summary>RTP (first byte 128..191, payload type outside the RTCP range).</summary>
    Rtp,

    /// <summary>RTCP (first byte 128..191, second byte 192..223).</summary>
    Rtcp,
}

/// <summary>Demultiplexes STUN, DTLS, RTP and RTCP sharing one port by their first bytes.</summary>
public static class PacketClassifier
{
    /// <summary>
    /// RFC 7983 §7: 0..3 STUN, 16..19 ZRTP, 20..63 DTLS, 64..79 TURN channel, 128..191 RTP/RTCP;
    /// RFC 5761 §4: with rtcp-mux the RTCP packet types 192..223 sit where RTP's marker+PT would be,
    /// so RTP must not use payload types 64..95.
    /// </summary>
    public static PacketKind Classify(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return PacketKind.Unknown;
        }

        var first = packet[0];
        if (first <= 3)
        {
            return PacketKind.Stun;
        }

        if (first is >= 20 and <= 63)
        {
            return PacketKind.Dtls;
        }

        if (first is >= 128 and <= 191)
        {
            if (packet.Length < 2)
            {
                return PacketKind.Unknown;
            }

            return packet[1] is >= 192 and <= 223 ? PacketKind.Rtcp : PacketKind.Rtp;
        }

        return PacketKind.Unknown;
    }
}
