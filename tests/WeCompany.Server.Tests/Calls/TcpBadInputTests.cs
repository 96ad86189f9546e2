using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Server.Tests.Calls;

/// <summary>Each bad input of issue 5 over a real socket; after each, the server still serves others.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TcpBadInputTests(SharedCallsServer shared) : IClassFixture<SharedCallsServer>
{
    private CallsTestServer Server => shared.Server;

    private static string Id(TestUser user) => user.Id.ToString(CultureInfo.InvariantCulture);

    private async Task<int> SendAfterRegisterExpectCloseAsync(byte[] bytes)
    {
        await using var client = await Server.ConnectRawAsync(await Server.CreateUserAsync());
        await client.SendRawAsync(bytes);
        return await client.ExpectErrorThenCloseAsync();
    }

    [Fact]
    public async Task LengthZeroGetsMalformedThenCloseAndTheServerStillServes()
    {
        Assert.Equal(ErrorCodes.TcpMalformedFrame, await SendAfterRegisterExpectCloseAsync([0, 0, 0, 0]));
        await Server.AssertStillServesAsync();
    }

    [Fact]
    public async Task LengthTwoGetsMalformedThenCloseAndTheServerStillServes()
    {
        Assert.Equal(ErrorCodes.TcpMalformedFrame, await SendAfterRegisterExpectCloseAsync([0, 0, 0, 2, 7, 0]));
        await Server.AssertStillServesAsync();
    }

    [Fact]
    public async Task LengthOverTheLimitIsRefusedFromTheLengthBytesAloneAndTheServerStillServes()
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, FrameFormat.DefaultMaxFrameBytes + 1);
        // Only the four length bytes are sent: the refusal cannot have waited for the body.
        Assert.Equal(ErrorCodes.TcpFrameTooLarge, await SendAfterRegisterExpectCloseAsync(length));
        await Server.AssertStillServesAsync();
    }

    [Fact]
    public async Task UserIdLengthBeyondTheFrameGetsMalformedThenCloseAndTheServerStillServes()
    {
        Assert.Equal(ErrorCodes.TcpMalformedFrame, await SendAfterRegisterExpectCloseAsync(Convert.FromHexString("000000050000093737")));
        await Server.AssertStillServesAsync();
    }

    [Fact]
    public async Task InvalidUtf8UserIdGetsMalformedAndTheConnectionGoesOn()
    {
        await using var client = await Server.ConnectRawAsync(await Server.CreateUserAsync());
        await client.SendRawAsync(Convert.FromHexString("00000007000002c3286869"));
        Assert.Equal(ErrorCodes.TcpMalformedFrame, (await client.ExpectAsync(FrameType.Error)).ErrorCode);
        await client.SendAsync(FrameType.Heartbeat, "", []);
        await client.ExpectAsync(FrameType.Heartbeat);
        await Server.AssertStillServesAsync();
    }

    [Fact]
    public async Task UnknownTypeGetsUnknownTypeAndTheConnectionGoesOn()
    {
        await using var client = await Server.ConnectRawAsync(await Server.CreateUserAsync());
        await client.SendRawAsync(Convert.FromHexString("000000032a0000"));
        Assert.Equal(ErrorCodes.TcpUnknownType, (await client.ExpectAsync(FrameType.Error)).ErrorCode);
        await client.SendAsync(FrameType.Heartbeat, "", []);
        await client.ExpectAsync(FrameType.Heartbeat);
        await Server.AssertStillServesAsync();
    }

    [Fact]
    public async Task AFrameBeforeRegisterGetsNotRegisteredThenClose()
    {
        await using var client = await RawTcpClient.ConnectAsync(Server.TcpPort);
        await client.SendAsync(FrameType.Text, "1", "hi"u8.ToArray());
        Assert.Equal(ErrorCodes.TcpNotRegistered, await client.ExpectErrorThenCloseAsync());
        await Server.AssertStillServesAsync();
    }

    [Fact]
    public async Task AFrameSplitIntoOneByteWritesArrivesWhole()
    {
        var alice = await Server.CreateUserAsync();
        var bob = await Server.CreateUserAsync();
        await using var a = await Server.ConnectRawAsync(alice);
        await using var b = await Server.ConnectRawAsync(bob);
        var frame = new System.Buffers.ArrayBufferWriter<byte>();
        FrameWriter.Write(frame, FrameType.Text, Encoding.UTF8.GetBytes(Id(bob)), "one byte at a time"u8);
        foreach (var b1 in frame.WrittenSpan.ToArray())
        {
            await a.SendRawAsync([b1]);
        }
        var got = await b.ExpectAsync(FrameType.Text);
        Assert.Equal("one byte at a time", got.Text);
        Assert.Equal(Id(alice), got.UserId);
    }

    [Fact]
    public async Task AThousandFramesInOneWriteAllArrive()
    {
        var alice = await Server.CreateUserAsync();
        var bob = await Server.CreateUserAsync();
        await using var a = await Server.ConnectRawAsync(alice);
        await using var b = await Server.ConnectRawAsync(bob);
        var frames = new System.Buffers.ArrayBufferWriter<byte>();
        for (var i = 0; i < 1000; i++)
        {
            FrameWriter.Write(frames, FrameType.Text, Encoding.UTF8.GetBytes(Id(bob)), Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)));
        }
        await a.SendRawAsync(frames.WrittenSpan.ToArray());
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), (await b.ExpectAsync(FrameType.Text)).Text);
        }
    }

    [Fact]
    public async Task RegisterWithAForgedTokenIsRefusedThenClosed()
    {
        var user = await Server.CreateUserAsync();
        await using var client = await RawTcpClient.ConnectAsync(Server.TcpPort);
        var forged = user.Token[..^4] + (user.Token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        await client.SendAsync(FrameType.Register, Id(user), Encoding.UTF8.GetBytes(forged));
        Assert.Equal(ErrorCodes.TokenInvalid, await client.ExpectErrorThenCloseAsync());
        await Server.AssertStillServesAsync();
    }

    [Fact]
    public async Task RegisterWithAnExpiredTokenIsRefusedWithTokenExpired()
    {
        var user = await Server.CreateUserAsync();
        var expired = TokenFactory.Expired(Server, user);
        await using var client = await RawTcpClient.ConnectAsync(Server.TcpPort);
        await client.SendAsync(FrameType.Register, Id(user), Encoding.UTF8.GetBytes(expired));
        Assert.Equal(ErrorCodes.TokenExpired, await client.ExpectErrorThenCloseAsync());
        await Server.AssertStillServesAsync();
    }

    [Fact]
    public async Task RegisterWithAnotherUsersTokenIsRefused()
    {
        var alice = await Server.CreateUserAsync();
        var mallory = await Server.CreateUserAsync();
        await using var client = await RawTcpClient.ConnectAsync(Server.TcpPort);
        await client.SendAsync(FrameType.Register, Id(alice), Encoding.UTF8.GetBytes(mallory.Token));
        Assert.Equal(ErrorCodes.TokenInvalid, await client.ExpectErrorThenCloseAsync());
        Assert.False(Server.Tcp.IsOnline(alice.Id));
        await Server.AssertStillServesAsync();
    }

    [Fact]
    public async Task TextToAnOfflineUserGetsUserOffline()
    {
        await using var client = await Server.ConnectRawAsync(await Server.CreateUserAsync());
        var offline = await Server.CreateUserAsync();
        await client.SendAsync(FrameType.Text, Id(offline), "anyone?"u8.ToArray());
        Assert.Equal(ErrorCodes.TcpUserOffline, (await client.ExpectAsync(FrameType.Error)).ErrorCode);
        await client.SendAsync(FrameType.Text, "nobody", "anyone?"u8.ToArray());
        Assert.Equal(ErrorCodes.TcpUserOffline, (await client.ExpectAsync(FrameType.Error)).ErrorCode);
    }

    [Fact]
    public async Task FileArrivesWholeWithItsName()
    {
        var alice = await Server.CreateUserAsync();
        var bob = await Server.CreateUserAsync();
        await using var a = await Server.ConnectAsync(alice);
        await using var b = await Server.ConnectAsync(bob);
        var received = new TaskCompletionSource<Client.Tcp.FileMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.FileReceived += f => received.TrySetResult(f);
        var content = new byte[900_000];
        new Random(5).NextBytes(content);
        await a.SendFileAsync(bob.Id, "报告.bin", content).WaitAsync(TimeSpan.FromSeconds(10));
        var file = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(alice.Id, file.From);
        Assert.Equal("报告.bin", file.Name);
        Assert.Equal(content, file.Content);
    }

    [Fact]
    public async Task FileWithANameRunningPastTheDataGetsMalformed()
    {
        var bob = await Server.CreateUserAsync();
        await using var b = await Server.ConnectRawAsync(bob);
        await using var a = await Server.ConnectRawAsync(await Server.CreateUserAsync());
        await a.SendAsync(FrameType.File, Id(bob), [0, 50, (byte)'x']);
        Assert.Equal(ErrorCodes.TcpMalformedFrame, (await a.ExpectAsync(FrameType.Error)).ErrorCode);
    }

    [Fact]
    public async Task HeartbeatIsAnswered()
    {
        await using var client = await Server.ConnectRawAsync(await Server.CreateUserAsync());
        await client.SendAsync(FrameType.Heartbeat, "", []);
        var answer = await client.NextAsync();
        Assert.Equal(FrameType.Heartbeat, answer.Type);
        Assert.Empty(answer.Data);
    }

    [Fact]
    public async Task FiveThousandConnectionsOpenedAndDroppedLeaveNothingBehind()
    {
        for (var batch = 0; batch < 10; batch++)
        {
            var sockets = new List<Socket>();
            for (var i = 0; i < 500; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
            }
            await Task.WhenAll(sockets.Select(s => s.ConnectAsync("127.0.0.1", Server.TcpPort))).WaitAsync(TimeSpan.FromSeconds(30));
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
        await Eventually.TrueAsync(() => Server.Tcp.ConnectionCount == 0, "every dropped connection is forgotten");
        await Server.AssertStillServesAsync();
    }
}
