using System.Buffers.Binary;

namespace WeCompany.Media.Rtp;

/// <summary>
/// A view of one RTP packet (RFC 3550 §5.1) over the caller's buffer. <see cref="TryParse"/> checks
/// every length against the buffer once (CSRC list, header extension and its elements, padding),
/// so the accessors and in-place rewrites afterwards cannot run past the packet.
/// </summary>
public readonly ref struct RtpPacket
{
    /// <summary>The fixed header.</summary>
    public const int FixedHeaderLength = 12;

    /// <summary>RFC 8285 §4.2: the one-byte header extension profile.</summary>
    public const ushort OneByteProfile = 0xBEDE;

    private readonly Span<byte> _buffer;
    private readonly int _extensionOffset;
    private readonly int _extensionLength;

    private RtpPacket(Span<byte> buffer, int headerLength, int extensionOffset, int extensionLength, int paddingLength)
    {
        _buffer = buffer;
        HeaderLength = headerLength;
        _extensionOffset = extensionOffset;
        _extensionLength = extensionLength;
        PaddingLength = paddingLength;
    }

    /// <summary>The whole packet.</summary>
    public Span<byte> Buffer => _buffer;

    /// <summary>RTP version (always 2 once parsed).</summary>
    public int Version => _buffer[0] >> 6;

    /// <summary>The P bit.</summary>
    public bool HasPadding => (_buffer[0] & 0x20) != 0;

    /// <summary>The X bit.</summary>
    public bool HasExtension => (_buffer[0] & 0x10) != 0;

    /// <summary>CSRC count.</summary>
    public int CsrcCount => _buffer[0] & 0x0F;

    /// <summary>Bytes of fixed header, CSRCs and header extension.</summary>
    public int HeaderLength { get; }

    /// <summary>Padding bytes at the end (0 without the P bit).</summary>
    public int PaddingLength { get; }

    /// <summary>The payload between the header and the padding.</summary>
    public Span<byte> Payload => _buffer[HeaderLength..(_buffer.Length - PaddingLength)];

    /// <summary>The marker bit; settable in place.</summary>
    public bool Marker
    {
        get => (_buffer[1] & 0x80) != 0;
        set => _buffer[1] = (byte)((_buffer[1] & 0x7F) | (value ? 0x80 : 0));
    }

    /// <summary>Payload type (7 bits); settable in place, keeping the marker.</summary>
    public byte PayloadType
    {
        get => (byte)(_buffer[1] & 0x7F);
        set => _buffer[1] = (byte)((_buffer[1] & 0x80) | (value & 0x7F));
    }

    /// <summary>Sequence number; settable in place.</summary>
    public ushort SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], value);
    }

    /// <summary>RTP timestamp; settable in place.</summary>
    public uint Timestamp
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_buffer[4..], value);
    }

    /// <summary>Synchronization source; settable in place.</summary>
    public uint Ssrc
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_buffer[8..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_buffer[8..], value);
    }

    /// <summary>The extension profile (0xBEDE, 0x100X, or another), 0 without extension.</summary>
    public ushort ExtensionProfile =>
        HasExtension ? BinaryPrimitives.ReadUInt16BigEndian(_buffer[(_extensionOffset - 4)..]) : (ushort)0;

    /// <summary>The extension elements block (after the 4-byte extension header).</summary>
    public Span<byte> ExtensionData => _buffer.Slice(_extensionOffset, _extensionLength);

    /// <summary>Contributing source <paramref name="index"/> (0 ≤ index &lt; <see cref="CsrcCount"/>).</summary>
    public uint GetCsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)CsrcCount, nameof(index));
        return BinaryPrimitives.ReadUInt32BigEndian(_buffer[(FixedHeaderLength + (4 * index))..]);
    }

    /// <summary>
    /// Parses an RTP packet, refusing versions other than 2, CSRC lists, extensions or extension
    /// elements that run past the packet, and padding counts larger than the payload.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out RtpPacket packet)
    {
        packet = default;
        if (buffer.Length < FixedHeaderLength || buffer[0] >> 6 != 2)
        {
            return false;
        }

        var headerLength = FixedHeaderLength + (4 * (buffer[0] & 0x0F));
        if (headerLength > buffer.Length)
        {
            return false;
        }

        int extensionOffset = 0, extensionLength = 0;
        if ((buffer[0] & 0x10) != 0)
        {
            // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the data.
            if (buffer.Length - headerLength < 4)
            {
                return false;
            }

            var profile = BinaryPrimitives.ReadUInt16BigEndian(buffer[headerLength..]);
            extensionLength = 4 * BinaryPrimitives.ReadUInt16BigEndian(buffer[(headerLength + 2)..]);
            extensionOffset = headerLength + 4;
            if (extensionLength > buffer.Length - extensionOffset
                || !RtpHeaderExtensions.IsWellFormed(buffer.Slice(extensionOffset, extensionLength), profile))
            {
                return false;
            }

            headerLength = extensionOffset + extensionLength;
        }

        var padding = 0;
        if ((buffer[0] & 0x20) != 0)
        {
            // RFC 3550 §5.1: the last octet counts the padding, itself included.
            padding = buffer[^1];
            if (padding == 0 || padding > buffer.Length - headerLength)
            {
                return false;
            }
        }

        packet = new RtpPacket(buffer, headerLength, extensionOffset, extensionLength, padding);
        return true;
    }

    /// <summary>Finds header extension element <paramref name="id"/>; the value is writable in place.</summary>
    public bool TryGetExtension(int id, out Span<byte> value)
    {
        value = default;
        if (!HasExtension || id <= 0)
        {
            return false;
        }

        var found = RtpHeaderExtensions.Find(ExtensionData, ExtensionProfile, id, out var offset, out var length);
        if (found)
        {
            value = ExtensionData.Slice(offset, length);
        }

        return found;
    }

    /// <summary>Overwrites an extension element's value in place; false when absent or of another length.</summary>
    public bool TryRewriteExtension(int id, ReadOnlySpan<byte> value)
    {
        if (!TryGetExtension(id, out var destination) || destination.Length != value.Length)
        {
            return false;
        }

        value.CopyTo(destination);
        return true;
    }

    /// <summary>Transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).</summary>
    public bool TryGetTransportSequenceNumber(int id, out ushort sequenceNumber)
    {
        sequenceNumber = 0;
        if (!TryGetExtension(id, out var value) || value.Length != 2)
        {
            return false;
        }

        sequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(value);
        return true;
    }

    /// <summary>Rewrites the transport-wide sequence number in place (the SFU numbers each outgoing transport).</summary>
    public bool TrySetTransportSequenceNumber(int id, ushort sequenceNumber)
    {
        if (!TryGetExtension(id, out var value) || value.Length != 2)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(value, sequenceNumber);
        return true;
    }

    /// <summary>RFC 6464 §3: V flag (voice activity) and level in -dBov (0 loudest, 127 silence).</summary>
    public bool TryGetAudioLevel(int id, out bool voiceActivity, out byte level)
    {
        voiceActivity = false;
        level = 0;
        if (!TryGetExtension(id, out var value) || value.Length < 1)
        {
            return false;
        }

        voiceActivity = (value[0] & 0x80) != 0;
        level = (byte)(value[0] & 0x7F);
        return true;
    }

    /// <summary>abs-send-time: 24 bits, 6.18 fixed-point seconds.</summary>
    public bool TryGetAbsSendTime(int id, out uint absSendTime)
    {
        absSendTime = 0;
        if (!TryGetExtension(id, out var value) || value.Length != 3)
        {
            return false;
        }

        absSendTime = ((uint)value[0] << 16) | ((uint)value[1] << 8) | value[2];
        return true;
    }

    /// <summary>Writes a 12-byte fixed header without CSRCs or extension; returns 12.</summary>
    public static int WriteFixedHeader(Span<byte> destination, byte payloadType, bool marker, ushort sequenceNumber, uint timestamp, uint ssrc)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, FixedHeaderLength, nameof(destination));
        destination[0] = 0x80;
        destination[1] = (byte)((marker ? 0x80 : 0) | (payloadType & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ssrc);
        return FixedHeaderLength;
    }
}
