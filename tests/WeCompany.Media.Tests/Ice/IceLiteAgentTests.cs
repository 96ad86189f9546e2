using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using WeCompany.Media.Ice;
using WeCompany.Media.Stun;

namespace WeCompany.Media.Tests.Ice;

public sealed class IceLiteAgentTests
{
    private const string ClientUfrag = "cLnt";
    private static readonly SocketAddress Client = new IPEndPoint(IPAddress.Parse("192.0.2.10"), 50000).Serialize();

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    // What a controlling full agent (Chromium) sends: USERNAME "serverUfrag:clientUfrag", signed with the server's pwd.
    private static byte[] BuildCheck(string serverUfrag, string password, byte[] transactionId, bool useCandidate = false, bool fingerprint = true)
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, transactionId);
        writer.AddUsername(Encoding.ASCII.GetBytes($"{serverUfrag}:{ClientUfrag}"));
        writer.AddPriority(0x6e7f1eff);
        writer.AddIceControlling(0x1122334455667788);
        if (useCandidate)
        {
            writer.AddUseCandidate();
        }

        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(password));
        if (fingerprint)
        {
            writer.AddFingerprint();
        }

        return writer.Written.ToArray();
    }

    private static byte[] NewTransactionId() => RandomNumberGenerator.GetBytes(12);

    [Fact]
    public void CheckWithTheRightCredentialsGetsAResponseTheClientVerifies()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession(ClientUfrag, "clientpasswordclientpass");
        var transactionId = NewTransactionId();
        var response = new byte[1500];

        var result = agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, transactionId), Client, response);

        Assert.Equal(IceCheckOutcome.SuccessResponse, result.Outcome);
        Assert.Equal(StunValidationResult.Ok, result.Validation);
        Assert.Same(session, result.Session);
        Assert.True(StunMessage.TryParse(response.AsSpan(0, result.ResponseLength), out var reply));
        Assert.Equal((ushort)StunMessageType.BindingSuccessResponse, reply.MessageType);
        Assert.Equal(transactionId, reply.TransactionId.ToArray());
        Assert.Equal(StunValidationResult.Ok, reply.ValidateShortTerm(Encoding.ASCII.GetBytes(session.LocalCredentials.Password)));
        Assert.True(reply.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 50000), mapped);
        Assert.Equal(IceSessionState.Connected, session.State);
    }

    [Fact]
    public void IPv6SourceIsReflectedInTheResponse()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession();
        var source = new IPEndPoint(IPAddress.Parse("2001:db8::7"), 61000);
        var response = new byte[1500];

        var result = agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId()), source.Serialize(), response);

        Assert.True(StunMessage.TryParse(response.AsSpan(0, result.ResponseLength), out var reply));
        Assert.True(reply.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(source, mapped);
    }

    [Fact]
    public void WrongPasswordGetsA401ErrorResponseAndValidatesNothing()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession();
        var response = new byte[1500];

        var result = agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, "not-the-password-at-all!", NewTransactionId()), Client, response);

        Assert.Equal(IceCheckOutcome.ErrorResponse, result.Outcome);
        Assert.Equal(StunValidationResult.BadIntegrity, result.Validation);
        Assert.True(StunMessage.TryParse(response.AsSpan(0, result.ResponseLength), out var reply));
        Assert.Equal((ushort)StunMessageType.BindingErrorResponse, reply.MessageType);
        Assert.True(reply.TryGetErrorCode(out var code, out _));
        Assert.Equal(401, code);
        Assert.False(reply.HasMessageIntegrity);
        Assert.False(agent.TryGetSession(Client, out _));
        Assert.Equal(IceSessionState.New, session.State);
    }

    [Fact]
    public void UnknownUfragIsIgnored()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession();
        var response = new byte[1500];

        var result = agent.HandleStun(BuildCheck("nobodyHere", session.LocalCredentials.Password, NewTransactionId()), Client, response);

        Assert.Equal(IceCheckOutcome.Ignored, result.Outcome);
        Assert.Equal(StunValidationResult.UnknownUser, result.Validation);
        Assert.Equal(0, result.ResponseLength);
    }

    [Fact]
    public void CheckNamingAnotherRemoteUfragIsIgnored()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession("someoneElse", "x");
        var result = agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId()), Client, new byte[1500]);
        Assert.Equal(StunValidationResult.UnknownUser, result.Validation);
        Assert.Equal(IceCheckOutcome.Ignored, result.Outcome);
    }

    [Fact]
    public void CheckWithoutFingerprintIsIgnored()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession();
        var check = BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId(), fingerprint: false);
        var result = agent.HandleStun(check, Client, new byte[1500]);
        Assert.Equal(StunValidationResult.NoFingerprint, result.Validation);
        Assert.Equal(IceCheckOutcome.Ignored, result.Outcome);
    }

    [Fact]
    public void GarbageIsIgnoredAsMalformed()
    {
        var agent = new IceLiteAgent();
        var result = agent.HandleStun(new byte[] { 0, 1, 0, 4, 0x21, 0x12 }, Client, new byte[1500]);
        Assert.Equal(StunValidationResult.Malformed, result.Validation);
        Assert.Equal(IceCheckOutcome.Ignored, result.Outcome);
    }

    [Fact]
    public void ValidatedAddressLooksUpItsSessionAndOtherPortsDoNot()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession();
        Assert.False(agent.TryGetSession(Client, out _));

        var result = agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId()), Client, new byte[1500]);

        Assert.True(result.NewAddress);
        // A fresh SocketAddress with the same content, as a receive loop would produce.
        Assert.True(agent.TryGetSession(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 50000).Serialize(), out var found));
        Assert.Same(session, found);
        Assert.False(agent.TryGetSession(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 50001).Serialize(), out _));
    }

    [Fact]
    public void UseCandidateSelectsTheAddress()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession();
        var other = new IPEndPoint(IPAddress.Parse("198.51.100.4"), 40000).Serialize();
        agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId()), Client, new byte[1500]);

        var result = agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId(), useCandidate: true), other, new byte[1500]);

        Assert.True(result.Nominated);
        Assert.Equal(IceSessionState.Selected, session.State);
        Assert.Equal(other, session.SelectedAddress);
        Assert.Equal(2, session.GetValidatedAddresses().Length);
    }

    [Fact]
    public void SessionWithoutAValidCheckFor30SecondsExpires()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var agent = new IceLiteAgent(clock);
        var session = agent.CreateSession();
        agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId()), Client, new byte[1500]);

        clock.Now += TimeSpan.FromSeconds(20);
        agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId()), Client, new byte[1500]);
        clock.Now += TimeSpan.FromSeconds(29);
        Assert.Equal(0, agent.Sweep(clock.Now));
        Assert.True(agent.TryGetSession(Client, out _));

        clock.Now += TimeSpan.FromSeconds(1);
        var expired = new List<IceSession>();
        Assert.Equal(1, agent.Sweep(clock.Now, expired));

        Assert.Same(session, Assert.Single(expired));
        Assert.Equal(IceSessionState.Expired, session.State);
        Assert.False(agent.TryGetSession(Client, out _));
        var late = agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId()), Client, new byte[1500]);
        Assert.Equal(IceCheckOutcome.Ignored, late.Outcome);
        Assert.Equal(0, agent.SessionCount);
    }

    [Fact]
    public void RemovedSessionIsNoLongerAnswered()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession();
        agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId()), Client, new byte[1500]);
        agent.Remove(session);
        Assert.False(agent.TryGetSession(Client, out _));
        var result = agent.HandleStun(BuildCheck(session.LocalCredentials.Ufrag, session.LocalCredentials.Password, NewTransactionId()), Client, new byte[1500]);
        Assert.Equal(StunValidationResult.UnknownUser, result.Validation);
    }

    [Fact]
    public async Task ConcurrentChecksRemovalsAndSweepsLeaveOnlyLiveSessionsMapped()
    {
        var agent = new IceLiteAgent();
        var sessions = Enumerable.Range(0, 64).Select(_ => agent.CreateSession()).ToArray();
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            var response = new byte[1500];
            for (var round = 0; round < 200; round++)
            {
                for (var i = worker; i < sessions.Length; i += 4)
                {
                    var source = new IPEndPoint(IPAddress.Parse("198.51.100.1"), 10000 + i).Serialize();
                    agent.HandleStun(BuildCheck(sessions[i].LocalCredentials.Ufrag, sessions[i].LocalCredentials.Password, NewTransactionId()), source, response);
                }
            }
        })).ToList();
        workers.Add(Task.Run(() =>
        {
            for (var i = 0; i < sessions.Length; i += 2)
            {
                agent.Remove(sessions[i]);
                agent.Sweep(DateTimeOffset.UtcNow);
            }
        }));

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));

        for (var i = 0; i < sessions.Length; i++)
        {
            var mapped = agent.TryGetSession(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 10000 + i).Serialize(), out var found);
            Assert.Equal(i % 2 == 1, mapped);
            Assert.Equal(i % 2 == 1 ? sessions[i] : null, found);
        }

        Assert.Equal(32, agent.SessionCount);
    }

    [Fact]
    public void BindingIndicationGetsNoAnswer()
    {
        var agent = new IceLiteAgent();
        var buffer = new byte[64];
        var writer = new StunWriter(buffer, StunMessageType.BindingIndication, NewTransactionId());
        writer.AddFingerprint();
        var result = agent.HandleStun(writer.Written, Client, new byte[1500]);
        Assert.Equal(IceCheckOutcome.Ignored, result.Outcome);
    }

    [Fact]
    public void GeneratedCredentialsUseIceCharsAndTheRightLengths()
    {
        var first = IceCredentials.Generate();
        var second = IceCredentials.Generate();
        Assert.Equal(8, first.Ufrag.Length);
        Assert.Equal(24, first.Password.Length);
        Assert.True(IceCredentials.IsValid(first.Ufrag, 4, 256));
        Assert.True(IceCredentials.IsValid(first.Password, 22, 256));
        Assert.NotEqual(first.Password, second.Password);
        Assert.DoesNotContain(first.Password, first.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SocketAddressHelpersReadPortAndAddress()
    {
        var address = new IPEndPoint(IPAddress.Parse("203.0.113.9"), 7880).Serialize();
        Assert.Equal(7880, StunAddressCodec.GetPort(address));
        Assert.Equal(new byte[] { 203, 0, 113, 9 }, StunAddressCodec.GetAddressBytes(address).ToArray());
        Assert.Equal(AddressFamily.InterNetwork, address.Family);
    }
}
