using WeCompany.Media.Dtls;
using WeCompany.Media.Srtp;
using WeCompany.Media.Tests.Srtp;

namespace WeCompany.Media.Tests.Dtls;

public sealed class DtlsTransportTests : IClassFixture<DtlsTransportTests.Certificates>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Certificates _certificates;

    public DtlsTransportTests(Certificates certificates) => _certificates = certificates;

    [Fact]
    public void HandshakeConnectsBothSidesWithGcmAndTheirSrtpSessionsInteroperate()
    {
        using var link = new DtlsLink(_certificates.ClientContext, _certificates.ServerContext);

        Assert.True(link.Handshake(Timeout), $"client {link.Client.State} {link.Client.FailureReason}; server {link.Server.State} {link.Server.FailureReason}");

        Assert.Equal(SrtpProfile.AEAD_AES_128_GCM, link.Client.SelectedProfile);
        Assert.Equal(SrtpProfile.AEAD_AES_128_GCM, link.Server.SelectedProfile);
        AssertMediaFlowsBothWays(link);
    }

    [Fact]
    public void AServerThatOnlyAcceptsAesCmNegotiatesAesCm()
    {
        using var serverContext = new DtlsContext(_certificates.Server, [SrtpProfile.AES_CM_128_HMAC_SHA1_80]);
        using var link = new DtlsLink(_certificates.ClientContext, serverContext);

        Assert.True(link.Handshake(Timeout), link.Client.FailureReason ?? link.Server.FailureReason);

        Assert.Equal(SrtpProfile.AES_CM_128_HMAC_SHA1_80, link.Client.SelectedProfile);
        AssertMediaFlowsBothWays(link);
    }

    [Fact]
    public void TransportsOutliveTheContextTheyWereMadeFrom()
    {
        var clientContext = new DtlsContext(_certificates.Client);
        var serverContext = new DtlsContext(_certificates.Server);
        using var link = new DtlsLink(clientContext, serverContext);
        clientContext.Dispose();
        serverContext.Dispose();

        Assert.True(link.Handshake(Timeout), link.Client.FailureReason ?? link.Server.FailureReason);
        Assert.Throws<ObjectDisposedException>(() => new DtlsTransport(serverContext, DtlsRole.Server, _certificates.Client.Fingerprint, _ => { }));
    }

    [Fact]
    public void EveryDatagramFitsTheMtu()
    {
        using var link = new DtlsLink(_certificates.ClientContext, _certificates.ServerContext, options: new DtlsTransportOptions { Mtu = 300 });

        Assert.True(link.Handshake(Timeout), link.Client.FailureReason ?? link.Server.FailureReason);

        Assert.All(link.SentByClient.Concat(link.SentByServer), datagram => Assert.InRange(datagram.Length, 13, 300));
        Assert.True(link.SentByServer.Count >= 3, "the server's first flight needed several datagrams at this MTU");
    }

    [Fact]
    public void AClientExpectingAnotherFingerprintFailsAndHasNoKeys()
    {
        using var link = new DtlsLink(_certificates.ClientContext, _certificates.ServerContext, clientExpects: _certificates.Stranger.Fingerprint);

        link.Handshake(Timeout);

        Assert.Equal(DtlsState.Failed, link.Client.State);
        Assert.Contains("fingerprint", link.Client.FailureReason, StringComparison.OrdinalIgnoreCase);
        Assert.Null(link.Client.SelectedProfile);
        Assert.Throws<InvalidOperationException>(() => link.Client.CreateSrtpSessions());
        // The client's bad_certificate alert ends the server's side too.
        Assert.Equal(DtlsState.Failed, link.Server.State);
    }

    [Fact]
    public void AServerExpectingAnotherFingerprintFailsAndHasNoKeys()
    {
        using var link = new DtlsLink(_certificates.ClientContext, _certificates.ServerContext, serverExpects: _certificates.Stranger.Fingerprint);

        link.Handshake(Timeout);

        Assert.Equal(DtlsState.Failed, link.Server.State);
        Assert.Contains("fingerprint", link.Server.FailureReason, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<InvalidOperationException>(() => link.Server.CreateSrtpSessions());
        // The server rejected the client's certificate before sending its Finished: the client never connects.
        Assert.Equal(DtlsState.Failed, link.Client.State);
    }

    [Fact]
    public void ALostServerFlightIsRecoveredByRetransmission()
    {
        using var link = new DtlsLink(_certificates.ClientContext, _certificates.ServerContext);
        link.Drop = (fromClient, _, _) => !fromClient;
        link.Server.Start();
        link.Client.Start();
        link.Pump();
        var lost = link.SentByServer.Count;
        Assert.True(lost > 0, "the server answered the ClientHello");
        link.Drop = null;
        var started = DateTime.UtcNow;

        Assert.True(link.RunUntil(() => link.Client.State == DtlsState.Connected && link.Server.State == DtlsState.Connected, Timeout),
            link.Client.FailureReason ?? link.Server.FailureReason);

        Assert.True(link.SentByServer.Count > lost, "the server sent its flight again");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), "recovery used the 100 ms timer, not OpenSSL's 1 s default");
        AssertMediaFlowsBothWays(link);
    }

    [Fact]
    public void ALostClientFinishedFlightIsRecoveredByRetransmission()
    {
        using var link = new DtlsLink(_certificates.ClientContext, _certificates.ServerContext);
        var finishedFlights = 0;
        // Lose the first client datagram that carries its ChangeCipherSpec (record type 20).
        link.Drop = (fromClient, _, datagram) => fromClient && ContainsRecordType(datagram, 20) && finishedFlights++ == 0;

        Assert.True(link.Handshake(Timeout), link.Client.FailureReason ?? link.Server.FailureReason);

        Assert.True(finishedFlights >= 2, "the client sent its final flight again");
        AssertMediaFlowsBothWays(link);
    }

    [Fact]
    public void ALostServerFinishedIsResentByTheConnectedServerWhenTheClientRetransmits()
    {
        using var link = new DtlsLink(_certificates.ClientContext, _certificates.ServerContext);
        var serverFinishedFlights = 0;
        // The server is connected once it sends ChangeCipherSpec + Finished; losing them leaves the client
        // retransmitting its final flight, which the connected server must answer.
        link.Drop = (fromClient, _, datagram) => !fromClient && ContainsRecordType(datagram, 20) && serverFinishedFlights++ == 0;

        Assert.True(link.Handshake(Timeout), link.Client.FailureReason ?? link.Server.FailureReason);

        Assert.True(serverFinishedFlights >= 2, "the server sent its final flight again");
        AssertMediaFlowsBothWays(link);
    }

    [Fact]
    public void GarbageDatagramsNeitherCrashNorCompleteAndARealClientStillConnects()
    {
        using var link = new DtlsLink(_certificates.ClientContext, _certificates.ServerContext);
        var random = new Random(20261122);
        for (var i = 0; i < 500; i++)
        {
            var garbage = new byte[random.Next(0, 1500)];
            random.NextBytes(garbage);
            if (garbage.Length > 2 && i % 2 == 0)
            {
                // Looks like a DTLS 1.2 handshake record, so it gets past the first checks into OpenSSL.
                garbage[0] = 22;
                garbage[1] = 0xFE;
                garbage[2] = 0xFD;
            }

            link.Server.Feed(garbage);
            link.Server.OnTimer();
        }

        Assert.Equal(DtlsState.Connecting, link.Server.State);
        Assert.Null(link.Server.SelectedProfile);
        Assert.Empty(link.SentByServer);

        Assert.True(link.Handshake(Timeout), link.Client.FailureReason ?? link.Server.FailureReason);
        AssertMediaFlowsBothWays(link);
    }

    [Fact]
    public void GarbageAfterTheHandshakeLeavesTheConnectionUp()
    {
        using var link = new DtlsLink(_certificates.ClientContext, _certificates.ServerContext);
        Assert.True(link.Handshake(Timeout), link.Client.FailureReason ?? link.Server.FailureReason);
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var garbage = new byte[random.Next(13, 400)];
            random.NextBytes(garbage);
            garbage[0] = (byte)(i % 2 == 0 ? 23 : 22);
            link.Server.Feed(garbage);
        }

        Assert.Equal(DtlsState.Connected, link.Server.State);
        AssertMediaFlowsBothWays(link);
    }

    [Fact]
    public void AHandshakeWithNoPeerTimesOut()
    {
        var clock = new ManualTimeProvider();
        var sent = new List<byte[]>();
        using var client = new DtlsTransport(
            _certificates.ClientContext, DtlsRole.Client, _certificates.Server.Fingerprint, d => sent.Add(d.ToArray()),
            new DtlsTransportOptions { TimeProvider = clock, HandshakeTimeout = TimeSpan.FromSeconds(10) });
        DtlsState? reported = null;
        client.StateChanged += (_, state) => reported = state;

        client.Start();
        Assert.Single(sent);
        Assert.Equal(DtlsState.Connecting, client.State);
        Assert.True(client.NextTimeout <= TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(9.9));
        client.OnTimer();
        Assert.Equal(DtlsState.Connecting, client.State);
        clock.Advance(TimeSpan.FromSeconds(0.2));
        client.OnTimer();

        Assert.Equal(DtlsState.Failed, client.State);
        Assert.Equal(DtlsState.Failed, reported);
        Assert.Contains("did not complete", client.FailureReason, StringComparison.Ordinal);
        Assert.Null(client.NextTimeout);
    }

    [Fact]
    public void AClientWithNoAnswerRetransmitsItsClientHello()
    {
        var sent = new List<byte[]>();
        using var client = new DtlsTransport(_certificates.ClientContext, DtlsRole.Client, _certificates.Server.Fingerprint, d => sent.Add(d.ToArray()));
        client.Start();
        var deadline = DateTime.UtcNow + Timeout;

        while (sent.Count < 2 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(client.NextTimeout is { } due && due > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Math.Min(due.TotalMilliseconds, 50)) : TimeSpan.FromMilliseconds(1));
            client.OnTimer();
        }

        Assert.Equal(2, sent.Count);
        Assert.Equal(sent[0][0], sent[1][0]);
    }

    [Fact]
    public void CloseSendsCloseNotifyAndThePeerCloses()
    {
        using var link = new DtlsLink(_certificates.ClientContext, _certificates.ServerContext);
        Assert.True(link.Handshake(Timeout), link.Client.FailureReason ?? link.Server.FailureReason);

        link.Client.Close();
        link.Pump();

        Assert.Equal(DtlsState.Closed, link.Client.State);
        Assert.Equal(DtlsState.Closed, link.Server.State);
        Assert.Contains("close_notify", link.Server.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public void NonDtlsDatagramsAreIgnored()
    {
        var sent = 0;
        using var server = new DtlsTransport(_certificates.ServerContext, DtlsRole.Server, _certificates.Client.Fingerprint, _ => sent++);

        server.Feed([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // STUN
        server.Feed(RtpPackets.Rtp(1)); // RTP

        Assert.Equal(DtlsState.New, server.State);
        Assert.Equal(0, sent);
    }

    private static bool ContainsRecordType(byte[] datagram, byte type)
    {
        for (var offset = 0; offset + 13 <= datagram.Length; offset += 13 + ((datagram[offset + 11] << 8) | datagram[offset + 12]))
        {
            if (datagram[offset] == type)
            {
                return true;
            }
        }

        return false;
    }

    private static void AssertMediaFlowsBothWays(DtlsLink link)
    {
        var (clientSend, clientReceive) = link.Client.CreateSrtpSessions();
        var (serverSend, serverReceive) = link.Server.CreateSrtpSessions();
        using (clientSend)
        using (clientReceive)
        using (serverSend)
        using (serverReceive)
        {
            AssertDelivers(clientSend, serverReceive);
            AssertDelivers(serverSend, clientReceive);
        }
    }

    private static void AssertDelivers(SrtpSession sender, SrtpSession receiver)
    {
        var packet = RtpPackets.Rtp(4242);
        var original = packet.AsSpan(0, 172).ToArray();
        Assert.Equal(SrtpResult.Ok, sender.ProtectRtp(packet, 172, out var length));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packet, length, out var plainLength));
        Assert.Equal(original, packet.AsSpan(0, plainLength).ToArray());
    }

    /// <summary>Key generation is the slow part of a test: one set of certificates for the class.</summary>
    public sealed class Certificates : IDisposable
    {
        public Certificates()
        {
            Client = DtlsCertificate.Generate("client");
            Server = DtlsCertificate.Generate("server");
            Stranger = DtlsCertificate.Generate("stranger");
            ClientContext = new DtlsContext(Client);
            ServerContext = new DtlsContext(Server);
        }

        public DtlsCertificate Client { get; }

        public DtlsCertificate Server { get; }

        public DtlsCertificate Stranger { get; }

        public DtlsContext ClientContext { get; }

        public DtlsContext ServerContext { get; }

        public void Dispose()
        {
            ClientContext.Dispose();
            ServerContext.Dispose();
            Client.Dispose();
            Server.Dispose();
            Stranger.Dispose();
        }
    }
}
