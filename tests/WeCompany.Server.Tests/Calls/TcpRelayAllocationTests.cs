using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Server.Tests.Calls;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation measurements (run alone: the count is process-wide)";
}

[Collection(AllocationCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TcpRelayAllocationTests
{
    private const int Frames = 100_000;
    private const int Batch = 100;

    [Fact]
    public async Task RelayingMediaAllocatesAlmostNothingPerFrame()
    {
        await using var server = await CallsTestServer.StartAsync();
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        using var a = await RegisterAsync(server, alice);
        using var b = await RegisterAsync(server, bob);
        Assert.Equal(WeCompany.Server.Calls.CallResult.Ok, server.Calls.InitiateCall(alice.Id, bob.Id, false, out var call));
        server.Calls.AcceptCall(call!.Id);
        await SkipFramesAsync(a, 2);
        await SkipFramesAsync(b, 2);

        var one = new ArrayBufferWriter<byte>();
        FrameWriter.Write(one, FrameType.MediaData, Encoding.ASCII.GetBytes(bob.Id.ToString(CultureInfo.InvariantCulture)), MediaPayload.Build(Encoding.ASCII.GetBytes(call.Id), new byte[1024]));
        var frame = one.WrittenSpan.ToArray();
        var relayedSize = frame.Length - bob.Id.ToString(CultureInfo.InvariantCulture).Length + alice.Id.ToString(CultureInfo.InvariantCulture).Length;
        var batch = Enumerable.Repeat(frame, Batch).SelectMany(x => x).ToArray();

        await RelayAsync(server, a, b, batch, relayedSize, Frames / 4); // Warm up: JIT, pools, queues grown.
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var relayed = await RelayAsync(server, a, b, batch, relayedSize, Frames);
        var perFrame = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Frames;

        Assert.Equal(Frames, relayed);
        // The test's own sockets allocate a little per send and receive: the bound leaves room for them, not for a copy per frame.
        Assert.True(perFrame < 16, $"{perFrame:F1} bytes allocated per relayed frame");
    }

    // Steady state: one batch in flight at a time, as a paced real-time sender keeps it. (An unpaced sender that
    // outruns the receiver fills the queue past what the buffer pool keeps; frames are then allocated or dropped.)
    // The loop itself allocates nothing per frame: Memory-based socket calls complete through the socket's cached
    // awaitables, and one token bounds the whole loop instead of a timeout per call.
    private static async Task<long> RelayAsync(CallsTestServer server, Socket from, Socket to, byte[] batch, int relayedSize, int frames)
    {
        var droppedBefore = server.Tcp.MediaFramesDropped;
        var buffer = new byte[256 * 1024];
        long received = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        for (var sent = Batch; sent <= frames; sent += Batch)
        {
            await from.SendAsync(batch.AsMemory(), SocketFlags.None, deadline.Token);
            while (received < (long)sent * relayedSize)
            {
                var n = await to.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, deadline.Token);
                if (n == 0)
                {
                    Assert.Fail("the relay closed the receiver's connection");
                }

                received += n;
            }
        }
        Assert.Equal(droppedBefore, server.Tcp.MediaFramesDropped);
        return received / relayedSize;
    }

    private static async Task<Socket> RegisterAsync(CallsTestServer server, TestUser user)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", server.TcpPort).WaitAsync(TimeSpan.FromSeconds(10));
        var register = new ArrayBufferWriter<byte>();
        FrameWriter.Write(register, FrameType.Register, Encoding.ASCII.GetBytes(user.Id.ToString(CultureInfo.InvariantCulture)), Encoding.UTF8.GetBytes(user.Token));
        await socket.SendAsync(register.WrittenMemory, SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await SkipFramesAsync(socket, 1);
        return socket;
    }

    private static async Task SkipFramesAsync(Socket socket, int count)
    {
        var header = new byte[4];
        for (var i = 0; i < count; i++)
        {
            await ReadExactlyAsync(socket, header);
            await ReadExactlyAsync(socket, new byte[BinaryPrimitives.ReadUInt32BigEndian(header)]);
        }
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.NotEqual(0, n);
            buffer = buffer[n..];
        }
    }
}
