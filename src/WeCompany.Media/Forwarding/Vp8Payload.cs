namespace WeCompany.Media.Forwarding;

/// <summary>Reads the VP8 payload descriptor (RFC 7741 §4.2) far enough to recognise a key frame's first packet.</summary>
public static class Vp8Payload
{
    /// <summary>
    /// Whether the RTP payload starts a key frame: S=1 and PID=0 in the descriptor, and the P bit of the
    /// VP8 payload header (RFC 7741 §4.3) is 0.
    /// </summary>
    public static bool IsKeyFrameStart(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 1)
        {
            return false;
        }

        var first = payload[0];
        var startOfPartition = (first & 0x10) != 0;
        var partitionId = first & 0x0F;
        if (!startOfPartition || partitionId != 0)
        {
            return false;
        }

        var offset = 1;
        if ((first & 0x80) != 0)
        {
            // X: the extension byte says which optional fields follow (I, L, T, K).
            if (payload.Length < 2)
            {
                return false;
            }

            var extension = payload[1];
            offset = 2;
            if ((extension & 0x80) != 0)
            {
                // I: PictureID, one byte or two when its M bit is set.
                if (payload.Length <= offset)
                {
                    return false;
                }

                offset += (payload[offset] & 0x80) != 0 ? 2 : 1;
            }

            if ((extension & 0x40) != 0)
            {
                offset++; // L: TL0PICIDX
            }

            if ((extension & 0x30) != 0)
            {
                offset++; // T or K: TID/Y/KEYIDX
            }
        }

        // RFC 7741 §4.3: P (inverse key frame flag) is bit 0 of the first payload header byte.
        return payload.Length > offset && (payload[offset] & 0x01) == 0;
    }
}
