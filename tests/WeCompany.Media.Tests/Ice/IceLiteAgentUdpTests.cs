using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using WeCompany.Media.Ice;
using WeCompany.Media.Stun;

namespace WeCompany.Media.Tests.Ice;

// Real UDP sockets on loopback: the receive loop the SFU will run, feeding the agent.
public sealed class IceLiteAgentUdpTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task CheckOverUdpIsAnsweredToItsSourceAndLaterRtpMapsToTheSession()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession();
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var cancel = new CancellationTokenSource(Timeout);

        var mapped = new List<PacketKind>();
        var serverLoop = Task.Run(async () =>
        {
            var buffer = new byte[1500];
            var response = new byte[1500];
            var source = new SocketAddress(AddressFamily.InterNetwork);
            for (var datagrams = 0; datagrams < 2; datagrams++)
            {
                var received = await server.ReceiveFromAsync(buffer, SocketFlags.None, source, cancel.Token);
                var packet = buffer.AsMemory(0, received);
                var kind = PacketClassifier.Classify(packet.Span);
                if (kind == PacketKind.Stun)
                {
                    var result = agent.HandleStun(packet.Span, source, response);
                    if (result.ResponseLength > 0)
                    {
                        await server.SendToAsync(response.AsMemory(0, result.ResponseLength), SocketFlags.None, source, cancel.Token);
                    }
                }
                else if (agent.TryGetSession(source, out var owner) && owner == session)
                {
                    mapped.Add(kind);
                }
            }
        });

        var transactionId = RandomNumberGenerator.GetBytes(12);
        var request = new byte[200];
        var writer = new StunWriter(request, StunMessageType.BindingRequest, transactionId);
        writer.AddUsername(Encoding.ASCII.GetBytes(session.LocalCredentials.Ufrag + ":abcd"));
        writer.AddPriority(1845501695);
        writer.AddIceControlling(42);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(session.LocalCredentials.Password));
        writer.AddFingerprint();
        await client.SendToAsync(request.AsMemory(0, writer.Length), SocketFlags.None, server.LocalEndPoint!, cancel.Token);

        var reply = new byte[1500];
        var length = await client.ReceiveAsync(reply, SocketFlags.None, cancel.Token).AsTask().WaitAsync(Timeout);
        Assert.True(StunMessage.TryParse(reply.AsSpan(0, length), out var message));
        Assert.Equal(transactionId, message.TransactionId.ToArray());
        Assert.Equal(StunValidationResult.Ok, message.ValidateShortTerm(Encoding.ASCII.GetBytes(session.LocalCredentials.Password)));
        Assert.True(message.TryGetXorMappedAddress(out var reflexive));
        Assert.Equal(client.LocalEndPoint, reflexive);

        // An RTP packet from the same address now belongs to the session.
        var rtp = new byte[20];
        rtp[0] = 0x80;
        rtp[1] = 96;
        await client.SendToAsync(rtp, SocketFlags.None, server.LocalEndPoint!, cancel.Token);
        await serverLoop.WaitAsync(Timeout);

        Assert.Equal([PacketKind.Rtp], mapped);
        Assert.Equal(IceSessionState.Selected, session.State);
        Assert.Equal(client.LocalEndPoint, IPEndPoint.Parse("0.0.0.0:0").Create(session.SelectedAddress!));
    }
}
