using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WeCompany.Media.Forwarding;

namespace WeCompany.Media.Tests.Forwarding;

// The fan-out's batch sender on real loopback sockets: every message of a batch arrives whole at its own
// destination, with sendmmsg(2) and with the one-SendTo-each path used off Linux.
public sealed class UdpBatchSenderTests : IDisposable
{
    private readonly Socket _sender = Bound();
    private readonly Socket[] _receivers = [Bound(), Bound(), Bound()];
    private readonly MediaServerCounters _counters = new();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EveryMessageOfABatchArrivesWithItsBytesAtItsOwnDestination(bool preferSendmmsg)
    {
        var batch = new UdpBatchSender(_sender, _counters, 64, preferSendmmsg);
        Assert.Equal(preferSendmmsg && OperatingSystem.IsLinux(), batch.UsesSendmmsg);
        for (var i = 0; i < 30; i++)
        {
            Assert.True(batch.TryAdd(Datagram(i), AddressOf(_receivers[i % 3]), rtp: i != 7));
        }

        Assert.Equal(30, batch.Count);
        batch.Flush();

        Assert.Equal(0, batch.Count);
        for (var r = 0; r < 3; r++)
        {
            // UDP on loopback keeps order per socket: receiver r gets messages r, r + 3, r + 6, ...
            for (var i = r; i < 30; i += 3)
            {
                Assert.Equal(Datagram(i), await ReceiveAsync(_receivers[r]));
            }
        }

        Assert.Equal(29, _counters.RtpSentTotal);
        Assert.Equal(1, _counters.RtcpSentTotal);
        Assert.Equal(Enumerable.Range(0, 30).Sum(i => Datagram(i).Length), _counters.BytesSentTotal);
        Assert.Equal(0, _counters.SendErrorsTotal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AMessageTheKernelRefusesMidBatchIsCountedAndTheRestStillArrive(bool preferSendmmsg)
    {
        var batch = new UdpBatchSender(_sender, _counters, 64, preferSendmmsg);
        // Linux refuses UDP to port 0 (EINVAL): sendmmsg stops there and reports the ones before it (or fails at
        // once when the refused one is sent first); the sender must skip the refused one and send the rest.
        var nowhere = new IPEndPoint(IPAddress.Loopback, 0).Serialize();
        batch.TryAdd(Datagram(0), AddressOf(_receivers[0]), rtp: true);
        batch.TryAdd(Datagram(1), AddressOf(_receivers[1]), rtp: true);
        batch.TryAdd(Datagram(2), nowhere, rtp: true);
        batch.TryAdd(Datagram(3), AddressOf(_receivers[2]), rtp: true);
        batch.TryAdd(Datagram(4), AddressOf(_receivers[0]), rtp: true);
        batch.Flush();

        Assert.Equal(Datagram(0), await ReceiveAsync(_receivers[0]));
        Assert.Equal(Datagram(1), await ReceiveAsync(_receivers[1]));
        Assert.Equal(Datagram(3), await ReceiveAsync(_receivers[2]));
        Assert.Equal(Datagram(4), await ReceiveAsync(_receivers[0]));
        Assert.Equal(1, _counters.SendErrorsTotal);
        Assert.Equal(4, _counters.RtpSentTotal);
    }

    [Fact]
    public async Task AFullBatchIsSentBeforeTheNextMessageIsTaken()
    {
        var batch = new UdpBatchSender(_sender, _counters, 4);
        for (var i = 0; i < 10; i++)
        {
            batch.TryAdd(Datagram(i), AddressOf(_receivers[0]), rtp: true);
        }

        Assert.Equal(2, batch.Count);
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(Datagram(i), await ReceiveAsync(_receivers[0]));
        }

        batch.Flush();
        Assert.Equal(Datagram(8), await ReceiveAsync(_receivers[0]));
        Assert.Equal(Datagram(9), await ReceiveAsync(_receivers[0]));
        Assert.Equal(10, _counters.RtpSentTotal);
    }

    [Fact]
    public void ADatagramLargerThanASlotIsLeftToTheCaller()
    {
        var batch = new UdpBatchSender(_sender, _counters, 4);
        Assert.False(batch.TryAdd(new byte[UdpBatchSender.SlotBytes + 1], AddressOf(_receivers[0]), rtp: true));
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void AddingAndFlushingAllocatesNothing()
    {
        var batch = new UdpBatchSender(_sender, _counters, 64);
        var datagram = new byte[1200];
        var addresses = _receivers.Select(AddressOf).ToArray();
        // Receivers are not read: loopback drops what overflows their buffers, which costs the sender nothing.
        Cycle(batch, datagram, addresses);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 50; round++)
        {
            Cycle(batch, datagram, addresses);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(51 * 40, _counters.RtpSentTotal);
    }

    [Fact]
    public void TheMessageHeaderHasTheLayoutOfLinuxStructMmsghdr()
    {
        // struct msghdr is 56 bytes on 64-bit Linux and struct mmsghdr adds msg_len, padded to 64 (28 and 32 on 32-bit).
        Assert.Equal(IntPtr.Size == 8 ? 56 : 28, Unsafe.SizeOf<UdpBatchSender.MessageHeader>());
        Assert.Equal(IntPtr.Size == 8 ? 64 : 32, Unsafe.SizeOf<UdpBatchSender.MultiMessageHeader>());
    }

    public void Dispose()
    {
        _sender.Dispose();
        foreach (var receiver in _receivers)
        {
            receiver.Dispose();
        }
    }

    private static void Cycle(UdpBatchSender batch, byte[] datagram, SocketAddress[] addresses)
    {
        for (var i = 0; i < 40; i++)
        {
            batch.TryAdd(datagram, addresses[i % addresses.Length], rtp: true);
        }

        batch.Flush();
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static SocketAddress AddressOf(Socket socket) => socket.LocalEndPoint!.Serialize();

    private static byte[] Datagram(int index) => [.. Enumerable.Range(0, 100 + (index * 7)).Select(b => (byte)(b + index))];

    private static async Task<byte[]> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var length = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return buffer[..length];
    }
}
