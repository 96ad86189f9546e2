using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace WeCompany.Media.Stun;

/// <summary>Reads addresses out of a <see cref="SocketAddress"/> without allocating, and XORs them as STUN asks.</summary>
public static class StunAddressCodec
{
    // sockaddr_in and sockaddr_in6 put the port (network order) at byte 2 and the address at
    // byte 4 (IPv4) or 8 (IPv6) on every platform .NET serializes SocketAddress for.
    private const int PortOffset = 2;
    private const int IPv4Offset = 4;
    private const int IPv6Offset = 8;

    /// <summary>The port of an IPv4 or IPv6 socket address.</summary>
    public static ushort GetPort(SocketAddress address) =>
        BinaryPrimitives.ReadUInt16BigEndian(address.Buffer.Span[PortOffset..]);

    /// <summary>The raw address bytes (4 or 16) of an IPv4 or IPv6 socket address.</summary>
    public static ReadOnlySpan<byte> GetAddressBytes(SocketAddress address) => address.Family switch
    {
        AddressFamily.InterNetwork => address.Buffer.Span.Slice(IPv4Offset, 4),
        AddressFamily.InterNetworkV6 => address.Buffer.Span.Slice(IPv6Offset, 16),
        _ => throw new ArgumentException("Only IPv4 and IPv6 socket addresses carry a STUN address.", nameof(address)),
    };

    /// <summary>
    /// RFC 5389 §15.2: an IPv4 address is XOR-ed with the magic cookie; an IPv6 address with the
    /// cookie followed by the transaction id. The operation is its own inverse.
    /// </summary>
    public static void XorAddress(ReadOnlySpan<byte> address, ReadOnlySpan<byte> transactionId, Span<byte> destination)
    {
        Span<byte> mask = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(mask, StunConstants.MagicCookie);
        transactionId.CopyTo(mask[4..]);
        for (var i = 0; i < address.Length; i++)
        {
            destination[i] = (byte)(address[i] ^ mask[i]);
        }
    }
}
