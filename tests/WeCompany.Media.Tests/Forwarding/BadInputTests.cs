using System.Net;
using System.Net.Sockets;
using WeCompany.Media.Dtls;
using WeCompany.Media.Forwarding;

namespace WeCompany.Media.Tests.Forwarding;

// Hostile or broken datagrams on the media port; after each kind, media between two real peers still flows.
public sealed class BadInputTests
{
    private static async Task<(SfuLoopback Sfu, LoopbackClientPeer Alice, LoopbackClientPeer Bob, MediaPeer AlicePeer)> FlowingAsync()
    {
        var sfu = SfuLoopback.Start();
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        var (bob, bobPeer) = await sfu.ConnectAsync("bob");
        var track = alicePeer.AddPublishedTrack(new PublishedTrackOptions { Ssrc = 1111, Kind = MediaKind.Video, Mid = "0", Vp8PayloadTypes = [96] });
        bobPeer.AddDownTrack(5555, MediaKind.Video, 90000, track);
        sfu.PublishVideo(alice, 1111);
        await bob.WaitForRtpAsync(p => p.Ssrc == 5555);
        return (sfu, alice, bob, alicePeer);
    }

    private static async Task StillFlowsAsync(LoopbackClientPeer bob)
    {
        var before = bob.Rtp.Count;
        await SfuLoopback.WaitUntilAsync(() => bob.Rtp.Count >= before + 20);
    }

    private static Socket Stranger()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    [Fact]
    public async Task GarbageAndTruncatedDatagramsFromStrangersAreDroppedAndMediaStillFlows()
    {
        var (sfu, _, bob, _) = await FlowingAsync();
        await using var _sfu = sfu;
        using var stranger = Stranger();
        var random = new Random(6);
        for (var i = 0; i < 2000; i++)
        {
            var datagram = new byte[random.Next(0, 1400)];
            random.NextBytes(datagram);
            stranger.SendTo(datagram, sfu.EndPoint);
        }

        // Every first byte, each as a one- and a thirteen-byte datagram.
        for (var first = 0; first < 256; first++)
        {
            stranger.SendTo([(byte)first], sfu.EndPoint);
            stranger.SendTo([(byte)first, 0xC9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], sfu.EndPoint);
        }

        await StillFlowsAsync(bob);
        Assert.True(sfu.Server.Counters.UnknownAddressTotal > 1000);
    }

    [Fact]
    public async Task StunWithWrongIntegrityOrUnknownUserIsRefusedAndMediaStillFlows()
    {
        var (sfu, alice, bob, alicePeer) = await FlowingAsync();
        await using var _sfu = sfu;
        using var stranger = Stranger();
        var wrongPassword = alice.BuildBindingRequest(alicePeer.LocalIceCredentials, password: "not-the-password-at-all!");
        var unknownUser = alice.BuildBindingRequest(alicePeer.LocalIceCredentials, ufrag: "nobody00");
        for (var i = 0; i < 200; i++)
        {
            stranger.SendTo(wrongPassword, sfu.EndPoint);
            stranger.SendTo(unknownUser, sfu.EndPoint);
            var truncated = unknownUser[..(i % unknownUser.Length)];
            stranger.SendTo(truncated, sfu.EndPoint);
        }

        await StillFlowsAsync(bob);
        Assert.True(sfu.Server.Counters.StunErrorsTotal >= 400);
        // A wrong password never validates the stranger's address for Alice's session.
        Assert.Single(sfu.Server.IceAgent.TryGetSessionByUfrag(alicePeer.LocalIceCredentials.Ufrag, out var session) ? session.GetValidatedAddresses() : []);
    }

    [Fact]
    public async Task DtlsClientHelloFloodFromUnknownAddressesIsIgnoredAndMediaStillFlows()
    {
        var (sfu, _, bob, _) = await FlowingAsync();
        await using var _sfu = sfu;
        using var certificate = DtlsCertificate.Generate("flood");
        using var context = new DtlsContext(certificate);
        var hellos = new List<byte[]>();
        using (var client = new DtlsTransport(context, DtlsRole.Client, sfu.Server.Fingerprint, d => hellos.Add(d.ToArray())))
        {
            client.Start();
        }

        Assert.NotEmpty(hellos);
        var strangers = Enumerable.Range(0, 20).Select(_ => Stranger()).ToList();
        for (var i = 0; i < 2000; i++)
        {
            strangers[i % strangers.Count].SendTo(hellos[0], sfu.EndPoint);
        }

        await StillFlowsAsync(bob);
        Assert.True(sfu.Server.Counters.UnknownAddressTotal >= 2000);
        Assert.Equal(2, sfu.Server.PeerCount);
        strangers.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task RtpWithHugeCsrcCountOrForgedTagFromAPeerIsDroppedAndMediaStillFlows()
    {
        var (sfu, alice, bob, _) = await FlowingAsync();
        await using var _sfu = sfu;

        // CC=15 promises 60 bytes of CSRCs in a 20-byte packet; then a full packet with a forged tag.
        byte[] hugeCsrc = [0x8F, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0x04, 0x57, 1, 2, 3, 4, 5, 6, 7, 8];
        var forged = new byte[200];
        forged[0] = 0x80;
        forged[1] = 96;
        forged[11] = 0x57;
        forged[10] = 0x04;
        for (var i = 0; i < 100; i++)
        {
            alice.SendRaw(hugeCsrc);
            alice.SendRaw(forged);
            alice.SendRaw([0x80]);
            alice.SendRaw([0x80, 0xC8, 0x00]);
        }

        await StillFlowsAsync(bob);
        var counters = sfu.Server.Counters;
        Assert.True(counters.SrtpAuthFailuresTotal + counters.SrtpOtherFailuresTotal >= 200);
    }

    [Fact]
    public async Task DtlsPeerWhoseCertificateDoesNotMatchItsFingerprintIsClosedAndMediaStillFlows()
    {
        var (sfu, _, bob, _) = await FlowingAsync();
        await using var _sfu = sfu;
        using var impostor = new LoopbackClientPeer();
        using var otherCertificate = DtlsCertificate.Generate("someone else");
        var peer = sfu.Server.CreatePeer("impostor", impostor.Ice.Ufrag, impostor.Ice.Password, otherCertificate.Fingerprint);

        var connecting = impostor.ConnectAsync(sfu.EndPoint, peer.LocalIceCredentials, sfu.Server.Fingerprint);
        await SfuLoopback.WaitUntilAsync(() => peer.State == MediaPeerState.Closed);

        Assert.Contains("fingerprint", peer.CloseReason, StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAnyAsync<Exception>(() => connecting);
        await StillFlowsAsync(bob);
    }
}
