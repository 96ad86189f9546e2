using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace WeCompany.Media.Stun;

/// <summary>
/// Writes one STUN message in place into the caller's buffer. The header's length field is kept
/// current after every attribute, so MESSAGE-INTEGRITY and FINGERPRINT can be appended last.
/// </summary>
public ref struct StunWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    /// <summary>Starts a message of <paramref name="type"/> with the given 12-byte transaction id.</summary>
    public StunWriter(Span<byte> buffer, StunMessageType type, ReadOnlySpan<byte> transactionId)
        : this(buffer, (ushort)type, transactionId)
    {
    }

    /// <summary>Starts a message with a raw 14-bit message type.</summary>
    public StunWriter(Span<byte> buffer, ushort type, ReadOnlySpan<byte> transactionId)
    {
        if (buffer.Length < StunConstants.HeaderLength)
        {
            ThrowTooSmall();
        }

        if (transactionId.Length != StunConstants.TransactionIdLength)
        {
            throw new ArgumentException("A STUN transaction id is 12 bytes.", nameof(transactionId));
        }

        _buffer = buffer;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, type);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], StunConstants.MagicCookie);
        transactionId.CopyTo(buffer[8..]);
        _length = StunConstants.HeaderLength;
    }

    /// <summary>Bytes written so far (header included).</summary>
    public readonly int Length => _length;

    /// <summary>The message written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>
    /// Appends an attribute. <paramref name="padding"/> fills the bytes up to the 4-byte boundary:
    /// RFC 8489 asks for zeros; RFC 5389 allowed any value (the RFC 5769 vectors use spaces).
    /// </summary>
    public void AddAttribute(ushort type, scoped ReadOnlySpan<byte> value, byte padding = 0)
    {
        var destination = Reserve(type, value.Length);
        value.CopyTo(destination);
        destination[value.Length..].Fill(padding);
    }

    /// <summary>Appends an attribute of a known type.</summary>
    public void AddAttribute(StunAttributeType type, scoped ReadOnlySpan<byte> value, byte padding = 0) =>
        AddAttribute((ushort)type, value, padding);

    /// <summary>USERNAME (UTF-8 bytes, for ICE "receiverUfrag:senderUfrag").</summary>
    public void AddUsername(scoped ReadOnlySpan<byte> username) => AddAttribute(StunAttributeType.Username, username);

    /// <summary>PRIORITY (RFC 8445 §7.1.1).</summary>
    public void AddPriority(uint priority) =>
        BinaryPrimitives.WriteUInt32BigEndian(Reserve((ushort)StunAttributeType.Priority, 4), priority);

    /// <summary>USE-CANDIDATE (RFC 8445 §7.1.2), no value.</summary>
    public void AddUseCandidate() => Reserve((ushort)StunAttributeType.UseCandidate, 0);

    /// <summary>ICE-CONTROLLING with a tie breaker (RFC 8445 §7.1.3).</summary>
    public void AddIceControlling(ulong tieBreaker) =>
        BinaryPrimitives.WriteUInt64BigEndian(Reserve((ushort)StunAttributeType.IceControlling, 8), tieBreaker);

    /// <summary>ICE-CONTROLLED with a tie breaker (RFC 8445 §7.1.3).</summary>
    public void AddIceControlled(ulong tieBreaker) =>
        BinaryPrimitives.WriteUInt64BigEndian(Reserve((ushort)StunAttributeType.IceControlled, 8), tieBreaker);

    /// <summary>ERROR-CODE (RFC 5389 §15.6): class in the hundreds, number below, then the reason.</summary>
    public void AddErrorCode(int code, scoped ReadOnlySpan<byte> reasonUtf8)
    {
        if (code is < 300 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(code), "STUN error codes are 300..699.");
        }

        var value = Reserve((ushort)StunAttributeType.ErrorCode, 4 + reasonUtf8.Length);
        value[0] = 0;
        value[1] = 0;
        value[2] = (byte)(code / 100);
        value[3] = (byte)(code % 100);
        reasonUtf8.CopyTo(value[4..]);
        value[(4 + reasonUtf8.Length)..].Clear();
    }

    /// <summary>XOR-MAPPED-ADDRESS of a socket address as received (no allocation).</summary>
    public void AddXorMappedAddress(SocketAddress address) =>
        AddXorMappedAddress(StunAddressCodec.GetAddressBytes(address), StunAddressCodec.GetPort(address));

    /// <summary>XOR-MAPPED-ADDRESS of an endpoint.</summary>
    public void AddXorMappedAddress(IPEndPoint endPoint)
    {
        Span<byte> address = stackalloc byte[16];
        if (!endPoint.Address.TryWriteBytes(address, out var written))
        {
            throw new UnreachableException();
        }

        AddXorMappedAddress(address[..written], (ushort)endPoint.Port);
    }

    /// <summary>RFC 5389 §15.2: family, port XOR the cookie's top half, address XOR cookie (+ transaction id).</summary>
    public void AddXorMappedAddress(scoped ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length is not (4 or 16))
        {
            throw new ArgumentException("An address is 4 or 16 bytes.", nameof(address));
        }

        var value = Reserve((ushort)StunAttributeType.XorMappedAddress, 4 + address.Length);
        value[0] = 0;
        value[1] = address.Length == 4 ? (byte)0x01 : (byte)0x02;
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], (ushort)(port ^ (StunConstants.MagicCookie >> 16)));
        StunAddressCodec.XorAddress(address, _buffer.Slice(8, StunConstants.TransactionIdLength), value[4..]);
    }

    /// <summary>
    /// MESSAGE-INTEGRITY: HMAC-SHA1 keyed with the short-term password over everything before it, with
    /// the header length already counting this attribute (RFC 5389 §15.4).
    /// </summary>
    public void AddMessageIntegrity(scoped ReadOnlySpan<byte> key)
    {
        var start = _length;
        var value = Reserve((ushort)StunAttributeType.MessageIntegrity, StunConstants.MessageIntegrityLength);
#pragma warning disable CA5350 // RFC 5389 §15.4 mandates HMAC-SHA1 for MESSAGE-INTEGRITY.
        HMACSHA1.HashData(key, _buffer[..start], value);
#pragma warning restore CA5350
    }

    /// <summary>MESSAGE-INTEGRITY with a cached HMAC-SHA1 keyed with the password (no allocation).</summary>
    public void AddMessageIntegrity(IncrementalHash hmac)
    {
        var start = _length;
        var value = Reserve((ushort)StunAttributeType.MessageIntegrity, StunConstants.MessageIntegrityLength);
        hmac.AppendData(_buffer[..start]);
        if (!hmac.TryGetHashAndReset(value, out var written) || written != StunConstants.MessageIntegrityLength)
        {
            throw new CryptographicException("HMAC-SHA1 did not produce 20 bytes.");
        }
    }

    /// <summary>FINGERPRINT: CRC-32 of everything before it XOR 0x5354554E (RFC 5389 §15.5). Must be last.</summary>
    public void AddFingerprint()
    {
        var start = _length;
        var value = Reserve((ushort)StunAttributeType.Fingerprint, 4);
        BinaryPrimitives.WriteUInt32BigEndian(value, StunCrc32.Compute(_buffer[..start]) ^ StunConstants.FingerprintXor);
    }

    // Writes the attribute header, updates the message length and returns the padded value area.
    private Span<byte> Reserve(ushort type, int valueLength)
    {
        var padded = (valueLength + 3) & ~3;
        var total = StunConstants.AttributeHeaderLength + padded;
        if (_buffer.Length - _length < total || _length + total - StunConstants.HeaderLength > ushort.MaxValue)
        {
            ThrowTooSmall();
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(_length + 2)..], (ushort)valueLength);
        var value = _buffer.Slice(_length + StunConstants.AttributeHeaderLength, padded);
        _length += total;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - StunConstants.HeaderLength));
        return value;
    }

    [DoesNotReturn]
    [StackTraceHidden]
    private static void ThrowTooSmall() =>
        throw new ArgumentException("The destination buffer is too small for this STUN message.");
}
