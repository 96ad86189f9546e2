namespace WeCompany.Cluster.Tests;

/// <summary>Through nginx, a meeting's participants meet on one node, and the meeting works there.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SignalingAffinityTests(ClusterFixture cluster)
{
    [Fact]
    public async Task TheJoinAnswerPointsAtTheGatewayNotAtANode()
    {
        var user = await GatewayClient.RegisterAsync(cluster);
        var id = await user.CreateMeetingAsync();
        var join = await user.JoinAsync(id);
        Assert.Equal($"wss://127.0.0.1:{cluster.Gateway.HttpsPort}/ws/signaling", join.GetProperty("websocket_url").GetString());
    }

    [Fact]
    public async Task EveryParticipantOfAMeetingLandsOnTheSameNodeWhereChatAndOfferRelayWork()
    {
        await using var meeting = await ClusterMeeting.StartAsync(cluster, others: 3);
        cluster.Node(meeting.HostingNode());
        var sockets = meeting.Sockets;

        var content = "hello " + Guid.NewGuid().ToString("N");
        await sockets[1].ChatAsync(content);
        foreach (var socket in sockets)
        {
            await socket.WaitForAsync(m => MeetingSocket.IsChat(m, content), "the chat message");
        }

        var sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
        await sockets[0].SendAsync(new { type = 1, to_user_id = sockets[2].User.Id, payload = new { sdp, type = "offer" } });
        var offer = await sockets[2].WaitForAsync(m => m.GetProperty("type").GetInt32() == 1, "the relayed offer");
        Assert.Equal(sockets[0].User.Id, offer.GetProperty("from_user_id").GetInt64());
        Assert.Equal(sdp, offer.GetProperty("payload").GetProperty("sdp").GetString());
        await sockets[2].SendAsync(new { type = 2, to_user_id = sockets[0].User.Id, payload = new { sdp, type = "answer" } });
        var answer = await sockets[0].WaitForAsync(m => m.GetProperty("type").GetInt32() == 2, "the relayed answer");
        Assert.Equal(sockets[2].User.Id, answer.GetProperty("from_user_id").GetInt64());
    }

    [Fact]
    public async Task DifferentMeetingsAreSpreadOverTheNodes()
    {
        var nodes = new HashSet<string?>();
        for (var i = 0; i < 12 && nodes.Count < 2; i++)
        {
            await using var meeting = await ClusterMeeting.StartAsync(cluster, others: 0);
            nodes.Add(meeting.HostingNode());
        }
        Assert.True(nodes.Count >= 2, $"Twelve meetings all landed on {string.Join(", ", nodes)}.");
    }
}
