using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using WeCompany.Media.Forwarding;
using WeCompany.Media.Ice;
using WeCompany.Media.Rtcp;
using WeCompany.Media.Stun;

namespace WeCompany.Media.Tests.Forwarding;

// ICE over TCP (RFC 6544, RFC 4571 framing) on the media port's number: clients that cannot use UDP check in,
// run DTLS and exchange SRTP over one stream, and meet UDP clients through the same server.
public sealed class IceTcpTests
{
    [Fact]
    public async Task BindingRequestOverTcpGetsAFramedSuccessResponseWithTheStreamsAddress()
    {
        await using var sfu = SfuLoopback.Start();
        var peer = sfu.Server.CreatePeer("tcp", "clientufrag", "clientpasswordclientpassword", DtlsFingerprintOf());
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(sfu.EndPoint).WaitAsync(TimeSpan.FromSeconds(5));

        var request = new byte[300];
        var writer = new StunWriter(request, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername(Encoding.ASCII.GetBytes(peer.LocalIceCredentials.Ufrag + ":clientufrag"));
        writer.AddPriority(1845501695);
        writer.AddIceControlling(7);
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(peer.LocalIceCredentials.Password));
        writer.AddFingerprint();
        var frame = new byte[writer.Length + 2];
        Assert.True(IceTcpFraming.TryWriteFrame(request.AsSpan(0, writer.Length), frame, out var frameLength));
        // Split the frame across two writes: the server must reassemble the stream.
        await socket.SendAsync(frame.AsMemory(0, 5));
        await socket.SendAsync(frame.AsMemory(5, frameLength - 5));

        var received = new byte[1024];
        var filled = 0;
        ReadOnlySpan<byte> packet = default;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!IceTcpFraming.TryReadFrame(received.AsSpan(0, filled), out packet, out _))
        {
            filled += await socket.ReceiveAsync(received.AsMemory(filled), timeout.Token);
        }

        Assert.True(StunMessage.TryParse(received.AsSpan(2, packet.Length), out var response));
        Assert.Equal((ushort)StunMessageType.BindingSuccessResponse, response.MessageType);
        Assert.True(response.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(socket.LocalEndPoint, mapped);
        Assert.Equal(1, sfu.Server.TcpConnectionCount);
    }

    [Fact]
    public async Task TcpPublisherReachesUdpAndTcpSubscribersAndGetsFeedbackOverItsStream()
    {
        await using var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice-tcp", tcp: true);
        var (bob, bobPeer) = await sfu.ConnectAsync("bob-udp");
        var (carol, carolPeer) = await sfu.ConnectAsync("carol-tcp", tcp: true);
        var track = alicePeer.AddPublishedTrack(new PublishedTrackOptions { Ssrc = 1111, Kind = MediaKind.Video, Mid = "0", Vp8PayloadTypes = [96] });
        bobPeer.AddDownTrack(5555, MediaKind.Video, 90000, track);
        carolPeer.AddDownTrack(6666, MediaKind.Video, 90000, track);

        // The subscribers starting ask the publisher for a key frame: RTCP back over the publisher's stream.
        await alice.WaitForFeedbackAsync(RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication, 1111);
        sfu.PublishVideo(alice, 1111);

        var udp = await bob.WaitForRtpAsync(p => p.Ssrc == 5555);
        var tcp = await carol.WaitForRtpAsync(p => p.Ssrc == 6666);
        Assert.Equal(0x10, udp.Payload[0]);
        Assert.Equal(0x10, tcp.Payload[0]);
        await carol.WaitForRtpAsync(p => p.Ssrc == 6666 && p.Sequence == (ushort)(tcp.Sequence + 20));
        Assert.Equal(2, sfu.Server.TcpConnectionCount);
    }

    [Fact]
    public async Task StreamThatNeverChecksInIsClosedAfterTheHandshakeDeadline()
    {
        await using var sfu = SfuLoopback.Start(new MediaServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(sfu.EndPoint).WaitAsync(TimeSpan.FromSeconds(5));
        // Garbage in a well-formed frame: no ICE check, so the server closes the stream (a read returns 0).
        await socket.SendAsync(new byte[] { 0, 3, 0xFF, 0xFF, 0xFF });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var read = await socket.ReceiveAsync(new byte[16], timeout.Token);
        Assert.Equal(0, read);
        await SfuLoopback.WaitUntilAsync(() => sfu.Server.TcpConnectionCount == 0);
    }

    [Fact]
    public async Task ConnectionsBeyondTheCapAreRefusedUntilOneCloses()
    {
        await using var sfu = SfuLoopback.Start(new MediaServerOptions { MaxTcpConnections = 2 });
        using var first = await ConnectTcpAsync(sfu);
        using var second = await ConnectTcpAsync(sfu);
        await SfuLoopback.WaitUntilAsync(() => sfu.Server.TcpConnectionCount == 2);

        Assert.True(await IsRefusedAsync(sfu));
        Assert.Equal(1, sfu.Server.Counters.TcpRefusedTotal);
        Assert.Equal(2, sfu.Server.TcpConnectionCount);

        // A stream that closes frees its place for the next client.
        first.Close();
        await SfuLoopback.WaitUntilAsync(() => sfu.Server.TcpConnectionCount == 1);
        using var fourth = await ConnectTcpAsync(sfu);
        await SfuLoopback.WaitUntilAsync(() => sfu.Server.TcpConnectionCount == 2);
        Assert.Equal(1, sfu.Server.Counters.TcpRefusedTotal);
    }

    private static async Task<Socket> ConnectTcpAsync(SfuLoopback sfu)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(sfu.EndPoint).WaitAsync(TimeSpan.FromSeconds(5));
        return socket;
    }

    // The server resets a refused stream as soon as it accepts it: the connect itself or the first read ends with a
    // reset (or 0 bytes), well before the handshake deadline would close an accepted one.
    private static async Task<bool> IsRefusedAsync(SfuLoopback sfu)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            using var socket = await ConnectTcpAsync(sfu);
            return await socket.ReceiveAsync(new byte[16], timeout.Token) == 0;
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    private static WeCompany.Media.Dtls.DtlsFingerprint DtlsFingerprintOf()
    {
        using var certificate = WeCompany.Media.Dtls.DtlsCertificate.Generate("tcp-test");
        return certificate.Fingerprint;
    }
}
