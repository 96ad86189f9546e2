using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace WeCompany.Media.Forwarding;

/// <summary>
/// Collects outgoing datagrams (each with its own destination) in pooled, pinned slots and sends them with one
/// sendmmsg(2) system call on Linux, or one SendTo each elsewhere. The fan-out of one received packet to many
/// subscribers, and of several packets read back to back, then costs one system call instead of one per copy.
/// </summary>
/// <remarks>
/// Not thread-safe: the media server only touches it under its dispatch lock. Nothing is allocated per datagram:
/// slots, addresses and message headers are arrays pinned once on the pinned object heap, so no memory is ever
/// freed under a thread still using them.
/// </remarks>
internal sealed unsafe partial class UdpBatchSender
{
    /// <summary>The largest datagram a slot holds: a 1,500-byte MTU packet plus SRTP growth, rounded up.</summary>
    public const int SlotBytes = 2048;

    /// <summary>sockaddr_storage is 128 bytes on Linux; a SocketAddress never needs more.</summary>
    private const int NameBytes = 128;

    // Linux errno values (asm-generic/errno-base.h, errno.h).
    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const int ENOSYS = 38;

    // SendBatch results that are not counts.
    private const int Unavailable = int.MinValue;
    private const int Disposed = int.MinValue + 1;

    private readonly Socket _socket;
    private readonly MediaServerCounters _counters;
    private readonly byte[] _payloads;
    private readonly byte[] _names;
    private readonly int[] _lengths;
    private readonly int[] _nameLengths;
    private readonly bool[] _isRtp;
    private readonly ulong[] _sortKeys;
    private readonly int[] _order;
    private readonly MultiMessageHeader[] _messages;
    private readonly IoVector[] _vectors;
    private readonly SocketAddress _fallbackAddress;
    private readonly byte* _namesBase;
    private readonly IoVector* _vectorsBase;
    private bool _useSendmmsg;
    private int _count;

    /// <summary>
    /// Creates a sender of up to <paramref name="capacity"/> datagrams per system call on <paramref name="socket"/>;
    /// <paramref name="preferSendmmsg"/> false sends one SendTo each, as off Linux (tests run that path too).
    /// </summary>
    public UdpBatchSender(Socket socket, MediaServerCounters counters, int capacity, bool preferSendmmsg = true)
    {
        // UIO_MAXIOV (1,024) is the most one sendmmsg call takes.
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1024);
        _socket = socket;
        _counters = counters;
        Capacity = capacity;
        _payloads = GC.AllocateArray<byte>(capacity * SlotBytes, pinned: true);
        _names = GC.AllocateArray<byte>(capacity * NameBytes, pinned: true);
        _messages = GC.AllocateArray<MultiMessageHeader>(capacity, pinned: true);
        _vectors = GC.AllocateArray<IoVector>(capacity, pinned: true);
        _lengths = new int[capacity];
        _nameLengths = new int[capacity];
        _isRtp = new bool[capacity];
        _sortKeys = new ulong[capacity];
        _order = new int[capacity];
        _fallbackAddress = new SocketAddress(socket.AddressFamily, NameBytes);
        // The header layout below is the 64-bit Linux ABI (struct mmsghdr is 64 bytes there).
        _useSendmmsg = preferSendmmsg && OperatingSystem.IsLinux() && IntPtr.Size == 8;
        var payloads = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_payloads));
        var names = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_names));
        var vectors = (IoVector*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_vectors));
        _namesBase = names;
        _vectorsBase = vectors;
        for (var i = 0; i < capacity; i++)
        {
            _vectors[i].Base = (nint)(payloads + (i * SlotBytes));
            _messages[i].Header.VectorCount = 1;
        }
    }

    /// <summary>The most datagrams one flush sends.</summary>
    public int Capacity { get; }

    /// <summary>Datagrams waiting for <see cref="Flush"/>.</summary>
    public int Count => _count;

    /// <summary>Whether flushes use sendmmsg(2) (false off Linux, or after the kernel refused the call).</summary>
    public bool UsesSendmmsg => _useSendmmsg;

    /// <summary>
    /// Copies one datagram and its destination into the next slot (flushing first when all are taken). False when
    /// it does not fit a slot; the caller then sends it on its own.
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> datagram, SocketAddress address, bool rtp)
    {
        if (datagram.Length > SlotBytes || address.Size > NameBytes)
        {
            return false;
        }

        if (_count == Capacity)
        {
            Flush();
        }

        var slot = _count++;
        datagram.CopyTo(_payloads.AsSpan(slot * SlotBytes, SlotBytes));
        address.Buffer.Span[..address.Size].CopyTo(_names.AsSpan(slot * NameBytes, NameBytes));
        _lengths[slot] = datagram.Length;
        _nameLengths[slot] = address.Size;
        _isRtp[slot] = rtp;
        return true;
    }

    /// <summary>Sends every waiting datagram; one the socket refuses is counted as a send error and skipped.</summary>
    public void Flush()
    {
        var count = _count;
        if (count == 0)
        {
            return;
        }

        _count = 0;
        GroupByDestination(count);
        var next = 0;
        while (next < count && _useSendmmsg)
        {
            var sent = SendBatch(next, count - next, out var error);
            if (sent == Disposed)
            {
                // The server stops: what is left is dropped.
                return;
            }

            if (sent > 0)
            {
                Tally(next, sent);
                next += sent;
            }
            else if (error == ENOSYS || sent == Unavailable)
            {
                // No sendmmsg here (an old kernel, a seccomp filter, no glibc): one SendTo each from now on.
                _useSendmmsg = false;
            }
            else if (error != EINTR)
            {
                // sendmmsg(2): an error is reported only for the first message of the call (EAGAIN when the buffer
                // is full on a non-blocking socket, EINVAL for port 0, ...). Let SendTo retry or report that one.
                if (error == EAGAIN ? SendOne(next) : CountError())
                {
                    Tally(next, 1);
                }

                next++;
            }
        }

        for (; next < count; next++)
        {
            if (SendOne(next))
            {
                Tally(next, 1);
            }
        }
    }

    // Sends in an order where each destination's datagrams follow one another (their own order kept): on loopback
    // the first wakes the receiving thread and the rest find it awake, instead of each waking it again; a network
    // card does not care. Positions map to slots through _order; a stable sort of (destination hash, slot).
    private void GroupByDestination(int count)
    {
        for (var slot = 0; slot < count; slot++)
        {
            var hash = new HashCode();
            hash.AddBytes(_names.AsSpan(slot * NameBytes, _nameLengths[slot]));
            _sortKeys[slot] = ((ulong)(uint)hash.ToHashCode() << 32) | (uint)slot;
        }

        _sortKeys.AsSpan(0, count).Sort();
        for (var position = 0; position < count; position++)
        {
            var slot = (int)(uint)_sortKeys[position];
            _order[position] = slot;
            _messages[position].Header.Name = (nint)(_namesBase + (slot * NameBytes));
            _messages[position].Header.NameLength = (uint)_nameLengths[slot];
            _messages[position].Header.Vectors = (nint)(_vectorsBase + slot);
            _vectors[slot].Length = (nuint)_lengths[slot];
        }
    }

    private int SendBatch(int first, int count, out int error)
    {
        error = 0;

        int sent;
        try
        {
            fixed (MultiMessageHeader* messages = &_messages[first])
            {
                sent = SendMultipleMessages(_socket.SafeHandle, messages, (uint)count, 0);
            }
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            return Unavailable;
        }
        catch (ObjectDisposedException)
        {
            return Disposed;
        }

        if (sent < 0)
        {
            error = Marshal.GetLastPInvokeError();
        }

        return sent;
    }

    private bool SendOne(int position)
    {
        var slot = _order[position];
        // SocketAddress.Buffer holds the native sockaddr bytes, so the slot's copy becomes the destination again.
        _names.AsSpan(slot * NameBytes, _nameLengths[slot]).CopyTo(_fallbackAddress.Buffer.Span);
        _fallbackAddress.Size = _nameLengths[slot];
        try
        {
            _socket.SendTo(_payloads.AsSpan(slot * SlotBytes, _lengths[slot]), SocketFlags.None, _fallbackAddress);
            return true;
        }
        catch (SocketException)
        {
            return CountError();
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private bool CountError()
    {
        Interlocked.Increment(ref _counters.SendErrors);
        return false;
    }

    private void Tally(int first, int count)
    {
        long rtp = 0;
        long bytes = 0;
        for (var position = first; position < first + count; position++)
        {
            var slot = _order[position];
            rtp += _isRtp[slot] ? 1 : 0;
            bytes += _lengths[slot];
        }

        Interlocked.Add(ref _counters.RtpSent, rtp);
        Interlocked.Add(ref _counters.RtcpSent, count - rtp);
        Interlocked.Add(ref _counters.BytesSent, bytes);
    }

    // int sendmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags); glibc's soname, so a musl
    // system fails the lookup and falls back to SendTo.
    [LibraryImport("libc.so.6", EntryPoint = "sendmmsg", SetLastError = true)]
    private static partial int SendMultipleMessages(SafeHandle socket, MultiMessageHeader* messages, uint count, int flags);

    // struct iovec.
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVector
    {
        public nint Base;
        public nuint Length;
    }

    // struct msghdr (56 bytes on 64-bit Linux: the padding after msg_namelen and msg_flags is implied by alignment).
    [StructLayout(LayoutKind.Sequential)]
    internal struct MessageHeader
    {
        public nint Name;
        public uint NameLength;
        public nint Vectors;
        public nuint VectorCount;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }

    // struct mmsghdr: the header and the bytes the kernel sent for it.
    [StructLayout(LayoutKind.Sequential)]
    internal struct MultiMessageHeader
    {
        public MessageHeader Header;
        public uint SentBytes;
    }
}
