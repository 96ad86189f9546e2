namespace WeCompany.Media.Rtp;

/// <summary>Walks RFC 8285 header extension elements (one-byte and two-byte forms) with bounds checks.</summary>
public static class RtpHeaderExtensions
{
    /// <summary>Whether <paramref name="profile"/> is the RFC 8285 §4.2 one-byte form.</summary>
    public static bool IsOneByte(ushort profile) => profile == RtpPacket.OneByteProfile;

    /// <summary>RFC 8285 §4.3: 0x100 in the top 12 bits, 4 application bits below.</summary>
    public static bool IsTwoByte(ushort profile) => (profile & 0xFFF0) == 0x1000;

    /// <summary>Whether every element of an RFC 8285 block lies inside it (other profiles are opaque and accepted).</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> block, ushort profile) =>
        !(IsOneByte(profile) || IsTwoByte(profile)) || Walk(block, IsTwoByte(profile), -1, out _, out _) != WalkResult.Malformed;

    /// <summary>Finds element <paramref name="id"/>: its value's offset inside the block and its length.</summary>
    public static bool Find(ReadOnlySpan<byte> block, ushort profile, int id, out int offset, out int length)
    {
        offset = 0;
        length = 0;
        if (!(IsOneByte(profile) || IsTwoByte(profile)))
        {
            return false;
        }

        return Walk(block, IsTwoByte(profile), id, out offset, out length) == WalkResult.Found;
    }

    private enum WalkResult
    {
        NotFound,
        Found,
        Malformed,
    }

    private static WalkResult Walk(ReadOnlySpan<byte> block, bool twoByte, int id, out int offset, out int length)
    {
        offset = 0;
        length = 0;
        var i = 0;
        while (i < block.Length)
        {
            int elementId, elementLength, valueOffset;
            if (twoByte)
            {
                // RFC 8285 §4.3: 8-bit ID (0 = padding byte), 8-bit length, value.
                elementId = block[i];
                if (elementId == 0)
                {
                    i++;
                    continue;
                }

                if (i + 1 >= block.Length)
                {
                    return WalkResult.Malformed;
                }

                elementLength = block[i + 1];
                valueOffset = i + 2;
            }
            else
            {
                // RFC 8285 §4.2: 4-bit ID (0 = padding byte, 15 = stop), 4-bit length-minus-one.
                elementId = block[i] >> 4;
                if (elementId == 0)
                {
                    i++;
                    continue;
                }

                if (elementId == 15)
                {
                    return WalkResult.NotFound;
                }

                elementLength = (block[i] & 0x0F) + 1;
                valueOffset = i + 1;
            }

            if (elementLength > block.Length - valueOffset)
            {
                return WalkResult.Malformed;
            }

            if (elementId == id)
            {
                offset = valueOffset;
                length = elementLength;
                return WalkResult.Found;
            }

            i = valueOffset + elementLength;
        }

        return WalkResult.NotFound;
    }
}
