using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace WeCompany.Cluster.Tests;

/// <summary>
/// Moderation sent through REST straight to a node that does not host the meeting (its own HTTP port, not
/// nginx) works as it does on the hosting node: the bus carries it to the room.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CrossNodeModerationTests(ClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.RestoreAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>POST as <paramref name="user"/> to a running node that is not <paramref name="hostingNode"/>, on its own port; asserts that node answered.</summary>
    private async Task<HttpResponseMessage> PostElsewhereAsync(string hostingNode, ClusterUser user, string path, object body)
    {
        var elsewhere = cluster.Nodes.First(n => n.IsRunning && n.Id != hostingNode);
        using var client = new HttpClient { BaseAddress = elsewhere.DirectAddress, Timeout = GatewayClient.Timeout };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.Token);
        var response = await client.PostAsJsonAsync(path, body).WaitAsync(GatewayClient.Timeout);
        Assert.Equal(elsewhere.Id, GatewayClient.NodeOf(response));
        return response;
    }

    private static bool IsError(JsonElement message, int code) =>
        message.GetProperty("type").GetInt32() == 13 && message.GetProperty("payload").GetProperty("code").GetInt32() == code;

    [Fact]
    public async Task AKickSentToANodeThatDoesNotHostTheMeetingClosesTheUsersSocketAndTheyCannotRejoin()
    {
        await using var meeting = await ClusterMeeting.StartAsync(cluster, others: 2);
        var hosting = meeting.HostingNode();
        var (host, kicked, bystander) = (meeting.Sockets[0], meeting.Sockets[1], meeting.Sockets[2]);
        var participantId = (await kicked.User.JoinAsync(meeting.Id)).GetProperty("participant_id").GetInt64();

        using (var response = await PostElsewhereAsync(hosting, host.User, $"api/v1/meetings/{meeting.Id}/participants/{participantId}/kick", new { }))
        {
            await ApiAssert.SuccessAsync(response);
        }

        await kicked.WaitForAsync(m => IsError(m, 20006), "the kick notice (error 20006)");
        var (code, reason) = await kicked.Closed.WaitAsync(MeetingSocket.Timeout);
        Assert.True(code == 4002, $"The kicked socket closed with {code} ({reason}), not 4002.");
        await bystander.WaitForAsync(m => m.GetProperty("type").GetInt32() == 7 && m.GetProperty("from_user_id").GetInt64() == kicked.User.Id,
            "user-left of the kicked user");
        using var again = await kicked.User.Client.PostAsync($"api/v1/meetings/{meeting.Id}/join", null).WaitAsync(GatewayClient.Timeout);
        await ApiAssert.ErrorAsync(again, HttpStatusCode.Forbidden, 20006);
    }

    [Fact]
    public async Task MuteAllSentToANodeThatDoesNotHostTheMeetingReachesEveryoneInTheRoom()
    {
        await using var meeting = await ClusterMeeting.StartAsync(cluster, others: 2);
        var host = meeting.Sockets[0];

        using (var response = await PostElsewhereAsync(meeting.HostingNode(), host.User, $"api/v1/meetings/{meeting.Id}/mute-all", new { }))
        {
            await ApiAssert.SuccessAsync(response);
        }

        foreach (var socket in meeting.Sockets.Skip(1))
        {
            var control = await socket.WaitForAsync(m => m.GetProperty("type").GetInt32() == 10
                && m.GetProperty("payload").GetProperty("action").GetString() == "mute_all", "mute_all");
            Assert.Equal(host.User.Id, control.GetProperty("payload").GetProperty("by_user_id").GetInt64());
        }
    }

    [Fact]
    public async Task EndingTheMeetingOnANodeThatDoesNotHostItClosesEverySocket()
    {
        await using var meeting = await ClusterMeeting.StartAsync(cluster, others: 2);

        using (var response = await PostElsewhereAsync(meeting.HostingNode(), meeting.Sockets[0].User, $"api/v1/meetings/{meeting.Id}/end", new { }))
        {
            await ApiAssert.SuccessAsync(response);
        }

        foreach (var socket in meeting.Sockets)
        {
            await socket.WaitForAsync(m => IsError(m, 20002), "the meeting-ended notice (error 20002)");
            var (code, reason) = await socket.Closed.WaitAsync(MeetingSocket.Timeout);
            Assert.True(code == 4003, $"User {socket.User.Id}'s socket closed with {code} ({reason}), not 4003.");
        }
    }
}
