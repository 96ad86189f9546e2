using System.Globalization;
using System.Text;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Server.Tests.Calls;

/// <summary>1:1 call flows between real sockets: both parties see every transition; media flows only when accepted.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TcpCallTests(SharedCallsServer shared) : IClassFixture<SharedCallsServer>
{
    private CallsTestServer Server => shared.Server;

    private static string Id(TestUser user) => user.Id.ToString(CultureInfo.InvariantCulture);

    private static byte[] Json(object body) => TcpJson.Serialize(body);

    private sealed record Party(TestUser User, RawTcpClient Socket) : IAsyncDisposable
    {
        public string Id => User.Id.ToString(CultureInfo.InvariantCulture);

        public ValueTask DisposeAsync() => Socket.DisposeAsync();
    }

    private async Task<Party> PartyAsync()
    {
        var user = await Server.CreateUserAsync();
        return new Party(user, await Server.ConnectRawAsync(user));
    }

    /// <summary>Caller rings callee; answers the call id after checking what each side was told.</summary>
    private static async Task<string> RingAsync(Party caller, Party callee, bool video = true)
    {
        await caller.Socket.SendAsync(FrameType.CallRequest, callee.Id, Json(new CallRequestBody(video)));
        var ringing = await caller.Socket.ExpectAsync(FrameType.CallRequest);
        Assert.Equal(callee.Id, ringing.UserId);
        Assert.Equal(CallStates.Ringing, ringing.Json.GetProperty("state").GetString());
        var callId = ringing.Json.GetProperty("call_id").GetString()!;
        var incoming = await callee.Socket.ExpectAsync(FrameType.CallRequest);
        Assert.Equal(caller.Id, incoming.UserId);
        Assert.Equal(callId, incoming.Json.GetProperty("call_id").GetString());
        Assert.Equal(video, incoming.Json.GetProperty("video").GetBoolean());
        return callId;
    }

    private static async Task AcceptAsync(Party caller, Party callee, string callId)
    {
        await callee.Socket.SendAsync(FrameType.CallAccept, caller.Id, Json(new CallBody(callId)));
        var toCaller = await caller.Socket.ExpectAsync(FrameType.CallAccept);
        var toCallee = await callee.Socket.ExpectAsync(FrameType.CallAccept);
        Assert.Equal(callee.Id, toCaller.UserId);
        Assert.Equal(CallStates.Accepted, toCaller.Json.GetProperty("state").GetString());
        Assert.Equal(callId, toCallee.Json.GetProperty("call_id").GetString());
    }

    [Fact]
    public async Task AcceptedCallRelaysMediaBothWaysAndEndTellsBoth()
    {
        await using var alice = await PartyAsync();
        await using var bob = await PartyAsync();
        var callId = await RingAsync(alice, bob);
        await AcceptAsync(alice, bob, callId);

        await alice.Socket.SendAsync(FrameType.MediaData, bob.Id, MediaPayload.Build(Encoding.ASCII.GetBytes(callId), [1, 2, 3]));
        var toBob = await bob.Socket.ExpectAsync(FrameType.MediaData);
        Assert.Equal(alice.Id, toBob.UserId);
        Assert.Equal(MediaPayload.Build(Encoding.ASCII.GetBytes(callId), [1, 2, 3]), toBob.Data);
        await bob.Socket.SendAsync(FrameType.MediaData, alice.Id, MediaPayload.Build(Encoding.ASCII.GetBytes(callId), [9]));
        Assert.Equal(bob.Id, (await alice.Socket.ExpectAsync(FrameType.MediaData)).UserId);

        await bob.Socket.SendAsync(FrameType.CallEnd, alice.Id, Json(new CallBody(callId)));
        var endA = await alice.Socket.ExpectAsync(FrameType.CallEnd);
        var endB = await bob.Socket.ExpectAsync(FrameType.CallEnd);
        Assert.Equal(CallReasons.HungUp, endA.Json.GetProperty("reason").GetString());
        Assert.Equal(CallStates.Ended, endB.Json.GetProperty("state").GetString());
        Assert.Null(Server.Calls.Find(callId));
    }

    [Fact]
    public async Task RejectTellsBothWithTheReason()
    {
        await using var alice = await PartyAsync();
        await using var bob = await PartyAsync();
        var callId = await RingAsync(alice, bob, video: false);
        await bob.Socket.SendAsync(FrameType.CallReject, alice.Id, Json(new CallBody(callId, Reason: "in a meeting")));
        Assert.Equal("in a meeting", (await alice.Socket.ExpectAsync(FrameType.CallReject)).Json.GetProperty("reason").GetString());
        Assert.Equal(CallStates.Rejected, (await bob.Socket.ExpectAsync(FrameType.CallReject)).Json.GetProperty("state").GetString());
    }

    [Fact]
    public async Task CallingABusyUserIsRejectedWithBusy()
    {
        await using var alice = await PartyAsync();
        await using var bob = await PartyAsync();
        await using var carol = await PartyAsync();
        await RingAsync(alice, bob);
        await carol.Socket.SendAsync(FrameType.CallRequest, bob.Id, Json(new CallRequestBody(true)));
        var reject = await carol.Socket.ExpectAsync(FrameType.CallReject);
        Assert.Equal(bob.Id, reject.UserId);
        Assert.Equal(CallReasons.Busy, reject.Json.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task CallingAnOfflineUserIsRejectedWithOffline()
    {
        await using var alice = await PartyAsync();
        var offline = await Server.CreateUserAsync();
        await alice.Socket.SendAsync(FrameType.CallRequest, Id(offline), Json(new CallRequestBody(false)));
        Assert.Equal(CallReasons.Offline, (await alice.Socket.ExpectAsync(FrameType.CallReject)).Json.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task APartyDisconnectingEndsTheCallForTheOtherWithDisconnected()
    {
        await using var alice = await PartyAsync();
        var bob = await PartyAsync();
        var callId = await RingAsync(alice, bob);
        await AcceptAsync(alice, bob, callId);
        await bob.DisposeAsync();
        var end = await alice.Socket.ExpectAsync(FrameType.CallEnd);
        Assert.Equal(CallReasons.Disconnected, end.Json.GetProperty("reason").GetString());
        Assert.Null(Server.Calls.CallOf(alice.User.Id));
    }

    [Fact]
    public async Task MediaForACallNotYetAcceptedIsRefusedAndNotRelayed()
    {
        await using var alice = await PartyAsync();
        await using var bob = await PartyAsync();
        var callId = await RingAsync(alice, bob);
        await alice.Socket.SendAsync(FrameType.MediaData, bob.Id, MediaPayload.Build(Encoding.ASCII.GetBytes(callId), [1]));
        Assert.Equal(ErrorCodes.TcpCallNotAllowed, (await alice.Socket.ExpectAsync(FrameType.Error)).ErrorCode);
        await bob.Socket.SendAsync(FrameType.Heartbeat, "", []);
        Assert.Equal(FrameType.Heartbeat, (await bob.Socket.NextAsync()).Type);
    }

    [Fact]
    public async Task MediaForSomeoneElsesCallIsRefusedAndNotRelayed()
    {
        await using var alice = await PartyAsync();
        await using var bob = await PartyAsync();
        await using var mallory = await PartyAsync();
        var callId = await RingAsync(alice, bob);
        await AcceptAsync(alice, bob, callId);
        await mallory.Socket.SendAsync(FrameType.MediaData, bob.Id, MediaPayload.Build(Encoding.ASCII.GetBytes(callId), [6, 6, 6]));
        Assert.Equal(ErrorCodes.TcpCallNotAllowed, (await mallory.Socket.ExpectAsync(FrameType.Error)).ErrorCode);
        // Bob's next frame is his own heartbeat's answer: no media from Mallory slipped in before it.
        await bob.Socket.SendAsync(FrameType.Heartbeat, "", []);
        Assert.Equal(FrameType.Heartbeat, (await bob.Socket.NextAsync()).Type);
    }

    [Fact]
    public async Task OnlyTheCalleeCanAcceptAndOutsidersCannotSeeTheCall()
    {
        await using var alice = await PartyAsync();
        await using var bob = await PartyAsync();
        await using var mallory = await PartyAsync();
        var callId = await RingAsync(alice, bob);
        await alice.Socket.SendAsync(FrameType.CallAccept, bob.Id, Json(new CallBody(callId)));
        Assert.Equal(ErrorCodes.TcpCallNotAllowed, (await alice.Socket.ExpectAsync(FrameType.Error)).ErrorCode);
        await mallory.Socket.SendAsync(FrameType.CallAccept, alice.Id, Json(new CallBody(callId)));
        Assert.Equal(ErrorCodes.TcpCallNotFound, (await mallory.Socket.ExpectAsync(FrameType.Error)).ErrorCode);
        Assert.Equal(WeCompany.Server.Calls.CallState.Ringing, Server.Calls.Find(callId)!.State);
    }

    [Fact]
    public async Task CallerCanCancelARingingCall()
    {
        await using var alice = await PartyAsync();
        await using var bob = await PartyAsync();
        var callId = await RingAsync(alice, bob);
        await alice.Socket.SendAsync(FrameType.CallEnd, bob.Id, Json(new CallBody(callId)));
        Assert.Equal(callId, (await bob.Socket.ExpectAsync(FrameType.CallEnd)).Json.GetProperty("call_id").GetString());
        await alice.Socket.ExpectAsync(FrameType.CallEnd);
        await bob.Socket.SendAsync(FrameType.CallAccept, alice.Id, Json(new CallBody(callId)));
        Assert.Equal(ErrorCodes.TcpCallNotFound, (await bob.Socket.ExpectAsync(FrameType.Error)).ErrorCode);
    }

    [Fact]
    public async Task TheSdkClientPlacesAnswersAndStreamsACall()
    {
        var alice = await Server.CreateUserAsync();
        var bob = await Server.CreateUserAsync();
        await using var a = await Server.ConnectAsync(alice);
        await using var b = await Server.ConnectAsync(bob);
        var incoming = new TaskCompletionSource<Client.Tcp.CallSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var media = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.CallSignalReceived += s =>
        {
            if (s.Type == FrameType.CallRequest)
            {
                incoming.TrySetResult(s);
            }
        };
        a.CallSignalReceived += s =>
        {
            if (s.Type == FrameType.CallAccept)
            {
                accepted.TrySetResult();
            }
        };
        b.MediaReceived += (from, _, bytes) => media.TrySetResult(bytes.ToArray());

        var ringing = await a.PlaceCallAsync(bob.Id, video: false).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CallStates.Ringing, ringing.State);
        var call = await incoming.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(alice.Id, call.Peer);
        await b.AcceptCallAsync(alice.Id, call.CallId);
        await accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await a.SendMediaAsync(bob.Id, call.CallId, new byte[] { 4, 5, 6 });
        Assert.Equal(new byte[] { 4, 5, 6 }, await media.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ServiceApiInitiatesAcceptsRelaysAndEnds()
    {
        await using var alice = await PartyAsync();
        await using var bob = await PartyAsync();
        Assert.Equal(WeCompany.Server.Calls.CallResult.Ok, Server.Calls.InitiateCall(alice.User.Id, bob.User.Id, true, out var call));
        await alice.Socket.ExpectAsync(FrameType.CallRequest);
        await bob.Socket.ExpectAsync(FrameType.CallRequest);
        Assert.Equal(WeCompany.Server.Calls.CallResult.Ok, Server.Calls.AcceptCall(call!.Id));
        await bob.Socket.ExpectAsync(FrameType.CallAccept);
        Assert.True(Server.Calls.RelayMediaData(call.Id, alice.User.Id, [7, 7]));
        var relayed = await bob.Socket.ExpectAsync(FrameType.MediaData);
        Assert.Equal(MediaPayload.Build(Encoding.ASCII.GetBytes(call.Id), [7, 7]), relayed.Data);
        Assert.Equal(WeCompany.Server.Calls.CallResult.Ok, Server.Calls.EndCall(call.Id));
        await alice.Socket.ExpectAsync(FrameType.CallEnd);
        Assert.False(Server.Calls.RelayMediaData(call.Id, alice.User.Id, [7]));
    }
}

/// <summary>Flows that need short timeouts: each test starts its own server.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TcpTimeoutTests
{
    [Fact]
    public async Task AnUnansweredCallIsRejectedWithTimeoutToBoth()
    {
        await using var server = await CallsTestServer.StartAsync(new Dictionary<string, string?> { ["Tcp:RingTimeoutSeconds"] = "0.3" });
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        await using var a = await server.ConnectRawAsync(alice);
        await using var b = await server.ConnectRawAsync(bob);
        await a.SendAsync(FrameType.CallRequest, bob.Id.ToString(CultureInfo.InvariantCulture), TcpJson.Serialize(new CallRequestBody(true)));
        Assert.Equal(CallReasons.Timeout, (await a.ExpectAsync(FrameType.CallReject)).Json.GetProperty("reason").GetString());
        Assert.Equal(CallReasons.Timeout, (await b.ExpectAsync(FrameType.CallReject)).Json.GetProperty("reason").GetString());
        Assert.Empty(server.Calls.ActiveCalls());
    }

    [Fact]
    public async Task AnIdleConnectionIsClosedWithIdleTimeout()
    {
        await using var server = await CallsTestServer.StartAsync(new Dictionary<string, string?> { ["Tcp:IdleTimeoutSeconds"] = "0.5" });
        var alice = await server.CreateUserAsync();
        await using var a = await server.ConnectRawAsync(alice);
        Assert.Equal(ErrorCodes.TcpIdleTimeout, await a.ExpectErrorThenCloseAsync());
        await Eventually.TrueAsync(() => !server.Tcp.IsOnline(alice.Id), "the idle user is offline");
    }

    [Fact]
    public async Task AClientThatConnectsAndSendsNothingIsClosed()
    {
        await using var server = await CallsTestServer.StartAsync(new Dictionary<string, string?> { ["Tcp:RegisterTimeoutSeconds"] = "0.3" });
        await using var silent = await RawTcpClient.ConnectAsync(server.TcpPort);
        Assert.Equal(ErrorCodes.TcpNotRegistered, await silent.ExpectErrorThenCloseAsync());
        await Eventually.TrueAsync(() => server.Tcp.ConnectionCount == 0, "the silent connection is forgotten");
        await server.AssertStillServesAsync();
    }
}
