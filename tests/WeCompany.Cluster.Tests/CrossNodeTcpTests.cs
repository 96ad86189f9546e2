using WeCompany.Client.Tcp;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Cluster.Tests;

/// <summary>TCP protocol users connected straight to different node processes reach each other through the bus.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CrossNodeTcpTests(ClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.RestoreAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TwoUsersOnDifferentNodesExchangeTextBothWaysAndHoldACallWithMediaBothWays()
    {
        var (nodeA, nodeB) = (cluster.Nodes[0], cluster.Nodes[1]);
        Assert.NotEqual(nodeA.TcpPort, nodeB.TcpPort);
        var users = await Task.WhenAll(GatewayClient.RegisterAsync(cluster), GatewayClient.RegisterAsync(cluster));
        await using var alice = await TcpPeer.ConnectAsync(nodeA, users[0]);
        await using var bob = await TcpPeer.ConnectAsync(nodeB, users[1]);

        await alice.SendTextUntilReceivedAsync(bob, $"你好 bob, from {nodeA.Id}");
        await bob.SendTextUntilReceivedAsync(alice, $"hello alice, from {nodeB.Id}");

        var ringing = await alice.Client.PlaceCallAsync(bob.User.Id, video: true).WaitAsync(TcpPeer.Timeout);
        Assert.True(ringing.Type == FrameType.CallRequest && ringing.State == CallStates.Ringing, $"The call was answered with {ringing}.");
        var incoming = await bob.NextCallSignalAsync(FrameType.CallRequest, "the incoming call");
        Assert.Equal((FrameType.CallRequest, alice.User.Id, ringing.CallId), (incoming.Type, incoming.Peer, incoming.CallId));

        await bob.Client.AcceptCallAsync(alice.User.Id, incoming.CallId).WaitAsync(TcpPeer.Timeout);
        foreach (var peer in new[] { alice, bob })
        {
            var accepted = await peer.NextCallSignalAsync(FrameType.CallAccept, $"CALL_ACCEPT at {peer.Node.Id}");
            Assert.Equal((ringing.CallId, CallStates.Accepted), (accepted.CallId, accepted.State));
        }

        byte[] fromAlice = [0x80, 0x60, 0x00, 0x01, 1, 2, 3], fromBob = [0x80, 0x60, 0x00, 0x02, 9, 8];
        await alice.Client.SendMediaAsync(bob.User.Id, ringing.CallId, fromAlice).WaitAsync(TcpPeer.Timeout);
        var atBob = await bob.NextMediaAsync("alice's media at bob");
        Assert.Equal((alice.User.Id, ringing.CallId), (atBob.From, atBob.CallId));
        Assert.Equal(fromAlice, atBob.Media);
        await bob.Client.SendMediaAsync(alice.User.Id, ringing.CallId, fromBob).WaitAsync(TcpPeer.Timeout);
        var atAlice = await alice.NextMediaAsync("bob's media at alice");
        Assert.Equal((bob.User.Id, ringing.CallId), (atAlice.From, atAlice.CallId));
        Assert.Equal(fromBob, atAlice.Media);

        await alice.Client.EndCallAsync(bob.User.Id, ringing.CallId).WaitAsync(TcpPeer.Timeout);
        var ended = await bob.NextCallSignalAsync(FrameType.CallEnd, "CALL_END at bob");
        Assert.Equal((FrameType.CallEnd, ringing.CallId, CallReasons.HungUp), (ended.Type, ended.CallId, ended.Reason));
    }
}
