using System.Net.Http.Json;
using System.Text;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Tcp;
using WeCompany.Server.Calls;
using WeCompany.Server.Cluster;
using WeCompany.Server.Tests.Infrastructure;

namespace WeCompany.Server.Tests.Cluster;

/// <summary>TCP protocol users registered on different nodes: text, files through the payload table, calls with media, admin messages.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterTcpTests
{
    private static byte[] Json(object body) => TcpJson.Serialize(body);

    [Fact]
    public async Task TextBetweenUsersOnDifferentNodesArrivesBothWays()
    {
        await using var cluster = await ClusterPair.StartAsync();
        await using var users = await cluster.TcpUsersAsync();
        var (alice, bob, onA, onB) = users;

        await onA.SendAsync(FrameType.Text, ClusterPair.Id(bob), "hello from A"u8.ToArray());
        var atB = await onB.ExpectAsync(FrameType.Text);
        Assert.Equal(ClusterPair.Id(alice), atB.UserId);
        Assert.Equal("hello from A", atB.Text);

        await onB.SendAsync(FrameType.Text, ClusterPair.Id(alice), "hello from B"u8.ToArray());
        var atA = await onA.ExpectAsync(FrameType.Text);
        Assert.Equal(ClusterPair.Id(bob), atA.UserId);
        Assert.Equal("hello from B", atA.Text);
    }

    [Fact]
    public async Task ATextOverTheNotifyLimitGoesThroughTheTableAndArrivesWhole()
    {
        await using var cluster = await ClusterPair.StartAsync();
        await using var users = await cluster.TcpUsersAsync();
        var (alice, bob, onA, onB) = users;
        var before = cluster.A.Service<ClusterBus>().LargeMessages;
        var text = string.Concat(Enumerable.Range(0, 1200).Select(i => $"{i % 10}字节"));
        Assert.True(Encoding.UTF8.GetByteCount(text) > 8 * 1024);

        await onA.SendAsync(FrameType.Text, ClusterPair.Id(bob), Encoding.UTF8.GetBytes(text));

        Assert.Equal(text, (await onB.ExpectAsync(FrameType.Text)).Text);
        Assert.True(cluster.A.Service<ClusterBus>().LargeMessages > before, "the message was not carried through cluster_messages");
    }

    [Fact]
    public async Task ACallBetweenNodesRingsAcceptsRelaysMediaBothWaysAndEnds()
    {
        await using var cluster = await ClusterPair.StartAsync();
        await using var users = await cluster.TcpUsersAsync();
        var (alice, bob, caller, callee) = users;

        await caller.SendAsync(FrameType.CallRequest, ClusterPair.Id(bob), Json(new CallRequestBody(true)));
        var ringing = await caller.ExpectAsync(FrameType.CallRequest);
        Assert.Equal(CallStates.Ringing, ringing.Json.GetProperty("state").GetString());
        var callId = ringing.Json.GetProperty("call_id").GetString()!;
        var incoming = await callee.ExpectAsync(FrameType.CallRequest);
        Assert.Equal(ClusterPair.Id(alice), incoming.UserId);
        Assert.Equal(callId, incoming.Json.GetProperty("call_id").GetString());

        await callee.SendAsync(FrameType.CallAccept, ClusterPair.Id(alice), Json(new CallBody(callId)));
        Assert.Equal(CallStates.Accepted, (await caller.ExpectAsync(FrameType.CallAccept)).Json.GetProperty("state").GetString());
        Assert.Equal(CallStates.Accepted, (await callee.ExpectAsync(FrameType.CallAccept)).Json.GetProperty("state").GetString());
        // The call lives on the caller's node only.
        Assert.NotNull(cluster.A.Service<VideoCallServer>().Find(callId));
        Assert.Null(cluster.B.Service<VideoCallServer>().Find(callId));

        var id = Encoding.ASCII.GetBytes(callId);
        await caller.SendAsync(FrameType.MediaData, ClusterPair.Id(bob), MediaPayload.Build(id, [1, 2, 3]));
        var toBob = await callee.ExpectAsync(FrameType.MediaData);
        Assert.Equal(ClusterPair.Id(alice), toBob.UserId);
        Assert.Equal(MediaPayload.Build(id, [1, 2, 3]), toBob.Data);
        await callee.SendAsync(FrameType.MediaData, ClusterPair.Id(alice), MediaPayload.Build(id, [9, 8]));
        var toAlice = await caller.ExpectAsync(FrameType.MediaData);
        Assert.Equal(ClusterPair.Id(bob), toAlice.UserId);
        Assert.Equal(MediaPayload.Build(id, [9, 8]), toAlice.Data);

        await callee.SendAsync(FrameType.CallEnd, ClusterPair.Id(alice), Json(new CallBody(callId)));
        Assert.Equal(CallReasons.HungUp, (await caller.ExpectAsync(FrameType.CallEnd)).Json.GetProperty("reason").GetString());
        Assert.Equal(CallStates.Ended, (await callee.ExpectAsync(FrameType.CallEnd)).Json.GetProperty("state").GetString());
        Assert.Null(cluster.A.Service<VideoCallServer>().Find(callId));
    }

    [Fact]
    public async Task CallingAUserBusyOnAnotherNodeIsRejectedWithBusy()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var alice = await ClusterPair.UserAsync(cluster.A);
        var bob = await ClusterPair.UserAsync(cluster.B);
        var carol = await ClusterPair.UserAsync(cluster.B);
        await using var onA = await ClusterPair.ConnectTcpAsync(cluster.A, alice);
        await using var bobOnB = await ClusterPair.ConnectTcpAsync(cluster.B, bob);
        await using var carolOnB = await ClusterPair.ConnectTcpAsync(cluster.B, carol);
        await ClusterPair.ReachableAsync(cluster.A, bob);
        await carolOnB.SendAsync(FrameType.CallRequest, ClusterPair.Id(bob), Json(new CallRequestBody(false)));
        await bobOnB.ExpectAsync(FrameType.CallRequest);

        await onA.SendAsync(FrameType.CallRequest, ClusterPair.Id(bob), Json(new CallRequestBody(false)));

        await onA.ExpectAsync(FrameType.CallRequest);
        var rejected = await onA.ExpectAsync(FrameType.CallReject);
        Assert.Equal(CallReasons.Busy, rejected.Json.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task TheCalleeDisconnectingOnItsNodeEndsTheCallForTheCaller()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var alice = await ClusterPair.UserAsync(cluster.A);
        var bob = await ClusterPair.UserAsync(cluster.B);
        await using var caller = await ClusterPair.ConnectTcpAsync(cluster.A, alice);
        var callee = await ClusterPair.ConnectTcpAsync(cluster.B, bob);
        await ClusterPair.ReachableAsync(cluster.A, bob);
        await caller.SendAsync(FrameType.CallRequest, ClusterPair.Id(bob), Json(new CallRequestBody(true)));
        var callId = (await caller.ExpectAsync(FrameType.CallRequest)).Json.GetProperty("call_id").GetString()!;
        await callee.ExpectAsync(FrameType.CallRequest);

        await callee.DisposeAsync();

        var end = await caller.ExpectAsync(FrameType.CallEnd);
        Assert.Equal(CallReasons.Disconnected, end.Json.GetProperty("reason").GetString());
        Assert.Null(cluster.A.Service<VideoCallServer>().Find(callId));
    }

    [Fact]
    public async Task AdminMessageAndBroadcastSentThroughNodeBReachAUserOnNodeA()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var admin = await ClusterPair.UserAsync(cluster.B, ClusterPair.AdminName);
        var alice = await ClusterPair.UserAsync(cluster.A);
        await using var onA = await ClusterPair.ConnectTcpAsync(cluster.A, alice);
        await ClusterPair.ReachableAsync(cluster.B, alice);
        using var client = cluster.B.ClientFor(admin.Token);

        await ApiAssert.SuccessAsync(await client.PostAsJsonAsync("api/v1/admin/messages", new { user_id = alice.Id, text = "maintenance at noon" }).WaitAsync(ClusterPair.Wait));
        var message = await onA.ExpectAsync(FrameType.Text);
        Assert.Equal("maintenance at noon", message.Text);
        Assert.Equal(ClusterPair.Id(admin), message.UserId);

        var broadcast = await ApiAssert.SuccessAsync(await client.PostAsJsonAsync("api/v1/admin/broadcast", new { text = "to everyone" }).WaitAsync(ClusterPair.Wait));
        Assert.Equal("to everyone", (await onA.ExpectAsync(FrameType.Text)).Text);
        Assert.True(broadcast.GetProperty("delivered").GetInt32() >= 1);
    }

    [Fact]
    public async Task TextToAUserOnNoNodeIsAnsweredUserOffline()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var alice = await ClusterPair.UserAsync(cluster.A);
        var nobody = await ClusterPair.UserAsync(cluster.B);
        await using var onA = await ClusterPair.ConnectTcpAsync(cluster.A, alice);

        await onA.SendAsync(FrameType.Text, ClusterPair.Id(nobody), "anyone?"u8.ToArray());

        Assert.Equal(ErrorCodes.TcpUserOffline, (await onA.ExpectAsync(FrameType.Error)).ErrorCode);
    }
}
