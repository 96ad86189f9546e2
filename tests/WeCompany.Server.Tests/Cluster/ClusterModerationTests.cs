using WeCompany.Protocol.Rest;
using WeCompany.Server.Tests.Infrastructure;
using WeCompany.Server.Tests.Meetings;
using WeCompany.Server.Tests.Signaling;

namespace WeCompany.Server.Tests.Cluster;

/// <summary>Moderation sent through REST to the node that does not host the meeting reaches the sockets on the node that does.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterModerationTests
{
    /// <summary>POST as the host, through node B, to /api/v1/meetings/{id}/<paramref name="path"/>.</summary>
    private static async Task HostPostsThroughBAsync(ClusterPair cluster, SignalingMeeting meeting, string path, object? body = null)
    {
        using var client = cluster.B.ClientFor(meeting.Host.User.Token);
        await ApiAssert.SuccessAsync(await client.PostAsync($"api/v1/meetings/{meeting.Id}/{path}", MeetingKit.Json(body ?? new { })).WaitAsync(ClusterPair.Wait));
    }

    [Fact]
    public async Task KickIssuedOnNodeBClosesTheSocketOnNodeA()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(cluster.A);
        var guest = await meeting.ParticipantAsync();
        var (socket, _) = await meeting.JoinAsync(guest);
        await using var _1 = socket;

        await HostPostsThroughBAsync(cluster, meeting, $"participants/{guest.ParticipantId}/kick");

        var notice = await socket.WaitForAsync(13);
        Assert.Equal(ErrorCodes.KickedFromMeeting, notice.GetProperty("payload").GetProperty("code").GetInt32());
        var (code, _) = await socket.WaitForCloseAsync();
        Assert.Equal(4002, code);
    }

    [Fact]
    public async Task MuteAllIssuedOnNodeBReachesTheRoomOnNodeA()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(cluster.A);
        var guest = await meeting.ParticipantAsync();
        var (socket, _) = await meeting.JoinAsync(guest);
        await using var _1 = socket;

        await HostPostsThroughBAsync(cluster, meeting, "mute-all");

        var control = await socket.WaitForAsync(10, m => m.GetProperty("payload").GetProperty("action").GetString() == "mute_all");
        Assert.Equal(meeting.Host.Id, control.GetProperty("payload").GetProperty("by_user_id").GetInt64());
    }

    [Fact]
    public async Task EndIssuedOnNodeBEndsTheRoomOnNodeA()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(cluster.A);
        var guest = await meeting.ParticipantAsync();
        var (socket, _) = await meeting.JoinAsync(guest);
        await using var _1 = socket;

        await HostPostsThroughBAsync(cluster, meeting, "end");

        var notice = await socket.WaitForAsync(13);
        Assert.Equal(ErrorCodes.MeetingEnded, notice.GetProperty("payload").GetProperty("code").GetInt32());
        var (code, _) = await socket.WaitForCloseAsync();
        Assert.Equal(4003, code);
    }
}
