using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Security.Cryptography;

namespace WeCompany.Media.Stun;

/// <summary>
/// A read-only view of one STUN message over the caller's bytes. <see cref="TryParse"/> walks the
/// attributes once with bounds checks and remembers where the ICE attributes are; nothing is copied
/// or allocated.
/// </summary>
public readonly ref struct StunMessage
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _username;
    private readonly int _integrity;
    private readonly int _fingerprint;
    private readonly int _xorMapped;
    private readonly int _priority;
    private readonly int _useCandidate;
    private readonly int _controlling;
    private readonly int _controlled;
    private readonly int _errorCode;

    private StunMessage(ReadOnlySpan<byte> buffer, scoped Span<int> offsets)
    {
        _buffer = buffer;
        _username = offsets[0];
        _integrity = offsets[1];
        _fingerprint = offsets[2];
        _xorMapped = offsets[3];
        _priority = offsets[4];
        _useCandidate = offsets[5];
        _controlling = offsets[6];
        _controlled = offsets[7];
        _errorCode = offsets[8];
    }

    /// <summary>The whole message.</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;

    /// <summary>Message type (method and class).</summary>
    public ushort MessageType => BinaryPrimitives.ReadUInt16BigEndian(_buffer);

    /// <summary>The 12-byte transaction id.</summary>
    public ReadOnlySpan<byte> TransactionId => _buffer.Slice(8, StunConstants.TransactionIdLength);

    /// <summary>Whether the message carries MESSAGE-INTEGRITY.</summary>
    public bool HasMessageIntegrity => _integrity >= 0;

    /// <summary>Whether the message carries FINGERPRINT.</summary>
    public bool HasFingerprint => _fingerprint >= 0;

    /// <summary>Whether the message carries USE-CANDIDATE (RFC 8445 §7.1.2).</summary>
    public bool HasUseCandidate => _useCandidate >= 0;

    /// <summary>Whether the message carries ICE-CONTROLLING.</summary>
    public bool HasIceControlling => _controlling >= 0;

    /// <summary>Whether the message carries ICE-CONTROLLED.</summary>
    public bool HasIceControlled => _controlled >= 0;

    /// <summary>The USERNAME value (UTF-8), empty when absent.</summary>
    public ReadOnlySpan<byte> Username => _username >= 0 ? Value(_username) : default;

    /// <summary>Whether USERNAME is present.</summary>
    public bool HasUsername => _username >= 0;

    /// <summary>Returns true if <paramref name="data"/> starts like STUN (RFC 7983: first byte 0..3) and has the magic cookie.</summary>
    public static bool LooksLikeStun(ReadOnlySpan<byte> data) =>
        data.Length >= StunConstants.HeaderLength && data[0] < 4
        && BinaryPrimitives.ReadUInt32BigEndian(data[4..]) == StunConstants.MagicCookie;

    /// <summary>
    /// Parses <paramref name="data"/> as exactly one STUN message. Refuses bad cookies, lengths that
    /// disagree with the datagram, attributes that run past the end, and attributes after FINGERPRINT.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out StunMessage message)
    {
        message = default;
        // RFC 5389 §6: the two most significant bits are zero, the length is a multiple of 4 and excludes the header.
        if (!LooksLikeStun(data))
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        if ((length & 3) != 0 || StunConstants.HeaderLength + length != data.Length)
        {
            return false;
        }

        Span<int> offsets = stackalloc int[9];
        offsets.Fill(-1);
        var offset = StunConstants.HeaderLength;
        while (offset < data.Length)
        {
            if (data.Length - offset < StunConstants.AttributeHeaderLength)
            {
                return false;
            }

            // RFC 5389 §15.5: FINGERPRINT is the last attribute.
            if (offsets[2] >= 0)
            {
                return false;
            }

            var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            var padded = (valueLength + 3) & ~3;
            if (padded > data.Length - offset - StunConstants.AttributeHeaderLength)
            {
                return false;
            }

            // RFC 5389 §15.4: attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored.
            if (offsets[1] < 0 || type == StunAttributeType.Fingerprint)
            {
                var slot = SlotOf(type, valueLength);
                if (slot == -2)
                {
                    return false;
                }

                if (slot >= 0 && offsets[slot] < 0)
                {
                    offsets[slot] = offset;
                }
            }

            offset += StunConstants.AttributeHeaderLength + padded;
        }

        message = new StunMessage(data, offsets);
        return true;
    }

    // Returns the offset slot of an attribute we index, -1 for others, -2 when its length is impossible.
    private static int SlotOf(StunAttributeType type, int valueLength) => type switch
    {
        StunAttributeType.Username => valueLength <= 513 ? 0 : -2,
        StunAttributeType.MessageIntegrity => valueLength == StunConstants.MessageIntegrityLength ? 1 : -2,
        StunAttributeType.Fingerprint => valueLength == 4 ? 2 : -2,
        StunAttributeType.XorMappedAddress => valueLength is 8 or 20 ? 3 : -2,
        StunAttributeType.Priority => valueLength == 4 ? 4 : -2,
        StunAttributeType.UseCandidate => valueLength == 0 ? 5 : -2,
        StunAttributeType.IceControlling => valueLength == 8 ? 6 : -2,
        StunAttributeType.IceControlled => valueLength == 8 ? 7 : -2,
        StunAttributeType.ErrorCode => valueLength >= 4 ? 8 : -2,
        _ => -1,
    };

    private ReadOnlySpan<byte> Value(int attributeOffset)
    {
        int length = BinaryPrimitives.ReadUInt16BigEndian(_buffer[(attributeOffset + 2)..]);
        return _buffer.Slice(attributeOffset + StunConstants.AttributeHeaderLength, length);
    }

    /// <summary>Finds the first attribute of <paramref name="type"/> (any type, not only the indexed ones).</summary>
    public bool TryGetAttribute(StunAttributeType type, out ReadOnlySpan<byte> value)
    {
        var offset = StunConstants.HeaderLength;
        while (offset + StunConstants.AttributeHeaderLength <= _buffer.Length)
        {
            var t = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(_buffer[offset..]);
            if (t == type)
            {
                value = Value(offset);
                return true;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(_buffer[(offset + 2)..]);
            offset += StunConstants.AttributeHeaderLength + ((length + 3) & ~3);
        }

        value = default;
        return false;
    }

    /// <summary>The PRIORITY value when present.</summary>
    public bool TryGetPriority(out uint priority)
    {
        priority = _priority >= 0 ? BinaryPrimitives.ReadUInt32BigEndian(Value(_priority)) : 0;
        return _priority >= 0;
    }

    /// <summary>The ICE-CONTROLLING tie breaker when present.</summary>
    public bool TryGetIceControlling(out ulong tieBreaker)
    {
        tieBreaker = _controlling >= 0 ? BinaryPrimitives.ReadUInt64BigEndian(Value(_controlling)) : 0;
        return _controlling >= 0;
    }

    /// <summary>The ICE-CONTROLLED tie breaker when present.</summary>
    public bool TryGetIceControlled(out ulong tieBreaker)
    {
        tieBreaker = _controlled >= 0 ? BinaryPrimitives.ReadUInt64BigEndian(Value(_controlled)) : 0;
        return _controlled >= 0;
    }

    /// <summary>RFC 5389 §15.6: ERROR-CODE = class (hundreds) * 100 + number, then a UTF-8 reason.</summary>
    public bool TryGetErrorCode(out int code, out ReadOnlySpan<byte> reason)
    {
        if (_errorCode < 0)
        {
            code = 0;
            reason = default;
            return false;
        }

        var value = Value(_errorCode);
        code = ((value[2] & 0x07) * 100) + value[3];
        reason = value[4..];
        return true;
    }

    /// <summary>Decodes XOR-MAPPED-ADDRESS (RFC 5389 §15.2). Allocates an endpoint: not for the server's hot path.</summary>
    public bool TryGetXorMappedAddress([NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (_xorMapped < 0)
        {
            return false;
        }

        var value = Value(_xorMapped);
        var port = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (StunConstants.MagicCookie >> 16));
        Span<byte> address = stackalloc byte[16];
        int addressLength;
        if (value[1] == 0x01 && value.Length == 8)
        {
            addressLength = 4;
        }
        else if (value[1] == 0x02 && value.Length == 20)
        {
            addressLength = 16;
        }
        else
        {
            return false;
        }

        StunAddressCodec.XorAddress(value.Slice(4, addressLength), TransactionId, address);
        endPoint = new IPEndPoint(new IPAddress(address[..addressLength]), port);
        return true;
    }

    /// <summary>RFC 5389 §15.5: CRC-32 of the message up to FINGERPRINT, XOR 0x5354554E.</summary>
    public bool VerifyFingerprint()
    {
        if (_fingerprint < 0)
        {
            return false;
        }

        // FINGERPRINT is last, so the header's length already points past it as §15.5 asks.
        var expected = StunCrc32.Compute(_buffer[.._fingerprint]) ^ StunConstants.FingerprintXor;
        return BinaryPrimitives.ReadUInt32BigEndian(Value(_fingerprint)) == expected;
    }

    /// <summary>
    /// Verifies MESSAGE-INTEGRITY with a short-term credential: the key is the password itself
    /// (RFC 5389 §15.4). The HMAC covers the header with its length adjusted to end at MESSAGE-INTEGRITY.
    /// </summary>
    public bool VerifyMessageIntegrity(ReadOnlySpan<byte> key)
    {
        if (_integrity < 0)
        {
            return false;
        }

        byte[]? rented = null;
        Span<byte> scratch = _integrity <= 1024
            ? stackalloc byte[_integrity]
            : (rented = ArrayPool<byte>.Shared.Rent(_integrity)).AsSpan(0, _integrity);
        try
        {
            _buffer[.._integrity].CopyTo(scratch);
            // RFC 5389 §15.4: the length counts up to and including MESSAGE-INTEGRITY, not what follows.
            var adjusted = _integrity + StunConstants.AttributeHeaderLength + StunConstants.MessageIntegrityLength
                - StunConstants.HeaderLength;
            BinaryPrimitives.WriteUInt16BigEndian(scratch[2..], (ushort)adjusted);
            Span<byte> mac = stackalloc byte[StunConstants.MessageIntegrityLength];
#pragma warning disable CA5350 // RFC 5389 §15.4 mandates HMAC-SHA1 for MESSAGE-INTEGRITY.
            HMACSHA1.HashData(key, scratch, mac);
#pragma warning restore CA5350
            return CryptographicOperations.FixedTimeEquals(mac, Value(_integrity));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The same check with a cached HMAC-SHA1 keyed with the password (no allocation, no copy). The
    /// caller owns <paramref name="hmac"/> and must not use it concurrently.
    /// </summary>
    public bool VerifyMessageIntegrity(IncrementalHash hmac)
    {
        if (_integrity < 0)
        {
            return false;
        }

        // RFC 5389 §15.4: hash the header with its length ending at MESSAGE-INTEGRITY, then the attributes before it.
        Span<byte> header = stackalloc byte[StunConstants.HeaderLength];
        _buffer[..StunConstants.HeaderLength].CopyTo(header);
        var adjusted = _integrity + StunConstants.AttributeHeaderLength + StunConstants.MessageIntegrityLength
            - StunConstants.HeaderLength;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)adjusted);
        hmac.AppendData(header);
        hmac.AppendData(_buffer[StunConstants.HeaderLength.._integrity]);
        Span<byte> mac = stackalloc byte[StunConstants.MessageIntegrityLength];
        if (!hmac.TryGetHashAndReset(mac, out var written) || written != mac.Length)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(mac, Value(_integrity));
    }

    /// <summary>
    /// ICE's checks of a request with short-term credentials: FINGERPRINT present and right, then
    /// MESSAGE-INTEGRITY right for <paramref name="password"/> (RFC 8445 §7.3, RFC 5389 §10.1.2).
    /// </summary>
    public StunValidationResult ValidateShortTerm(ReadOnlySpan<byte> password)
    {
        if (!HasFingerprint)
        {
            return StunValidationResult.NoFingerprint;
        }

        if (!VerifyFingerprint())
        {
            return StunValidationResult.Malformed;
        }

        return VerifyMessageIntegrity(password) ? StunValidationResult.Ok : StunValidationResult.BadIntegrity;
    }
}
