using System.Net;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Tcp;
using WeCompany.Server.Cluster;
using WeCompany.Server.Tests.Calls;
using WeCompany.Server.Tests.Meetings;
using WeCompany.Server.Tests.Signaling;

namespace WeCompany.Server.Tests.Cluster;

/// <summary>SIGTERM on a node: it stops being ready, tells its clients to reconnect, closes them and leaves the cluster.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterDrainTests
{
    [Fact]
    public async Task ADrainingNodeIsNotReadyTellsSocketsAndTcpClientsToReconnectThenLeaves()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(cluster.A);
        var (socket, _) = await meeting.JoinAsync(meeting.Host);
        await using var _1 = socket;
        var alice = await ClusterPair.UserAsync(cluster.A);
        await using var tcp = await ClusterPair.ConnectTcpAsync(cluster.A, alice);
        var tcpPort = cluster.A.Service<Server.Calls.TcpServer>().Port;

        // What systemd's SIGTERM does: the host's stop, which runs the drain first.
        var stopping = cluster.A.App.StopAsync();

        // The signaling socket is still open (this test has not answered the close yet), so the node is still draining.
        await MeetingKit.EventuallyAsync(async () =>
        {
            using var ready = await cluster.A.Client.GetAsync("readyz").WaitAsync(ClusterPair.Wait);
            return ready.StatusCode == HttpStatusCode.ServiceUnavailable;
        }, ClusterPair.Wait, "readyz answers 503 while draining");
        var refused = await SignalingClient.RefusedStatusAsync(meeting.SocketUri(meeting.Host, "peer-late"));
        Assert.Equal(503, refused);
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => RawTcpClient.ConnectAsync(tcpPort));

        var notice = await socket.WaitForAsync(13);
        Assert.Equal(ErrorCodes.NodeDraining, notice.GetProperty("payload").GetProperty("code").GetInt32());
        Assert.StartsWith("node_draining", notice.GetProperty("payload").GetProperty("message").GetString(), StringComparison.Ordinal);
        var (code, _) = await socket.WaitForCloseAsync();
        Assert.Equal(1012, code);
        Assert.Equal(ErrorCodes.NodeDraining, await tcp.ExpectErrorThenCloseAsync());

        await stopping.WaitAsync(ClusterPair.Wait);
        var alive = await cluster.B.Service<NodeRegistry>().AliveAsync(CancellationToken.None).WaitAsync(ClusterPair.Wait);
        Assert.Equal(["node-b"], alive.Select(n => n.NodeId));
    }
}
