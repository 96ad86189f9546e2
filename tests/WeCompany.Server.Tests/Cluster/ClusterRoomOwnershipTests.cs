using Dapper;
using Npgsql;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Signaling;
using WeCompany.Server.Tests.Meetings;
using WeCompany.Server.Tests.Signaling;

namespace WeCompany.Server.Tests.Cluster;

/// <summary>
/// One meeting, one node: when a meeting's room opens on a second node (nginx's view of the nodes changed), the
/// node that hosted it sends its sockets there, so the meeting is not split in two halves that never meet.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterRoomOwnershipTests
{
    [Fact]
    public async Task ARoomOpeningOnASecondNodeSendsTheFirstNodesParticipantsThere()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(cluster.A);
        var early = await meeting.ParticipantAsync();
        var late = await meeting.ParticipantAsync();
        var (earlySocket, _) = await meeting.JoinAsync(early);
        await using var _1 = earlySocket;
        await WaitForOwnerAsync(cluster, meeting.Id, "node-a");

        // nginx now sends this meeting to node B: the late joiner opens a second room there.
        var (lateSocket, _) = await meeting.JoinAsync(late, via: cluster.B);
        await using var _2 = lateSocket;

        var notice = await earlySocket.WaitForAsync(13, timeout: ClusterPair.Wait);
        Assert.Equal(ErrorCodes.RoomMoved, notice.GetProperty("payload").GetProperty("code").GetInt32());
        Assert.StartsWith("room_moved", notice.GetProperty("payload").GetProperty("message").GetString(), StringComparison.Ordinal);
        var (code, _) = await earlySocket.WaitForCloseAsync(ClusterPair.Wait);
        Assert.Equal(1012, code);
        await MeetingKit.EventuallyAsync(() => Task.FromResult(!cluster.A.Service<SignalingHub>().HostsRoom(meeting.Id)), ClusterPair.Wait, "node A dropped the room");
        await WaitForOwnerAsync(cluster, meeting.Id, "node-b");

        // The early participant reconnects (through nginx, to node B) with the same peer and meets the late one.
        var (back, roomInfo) = await meeting.JoinAsync(early, via: cluster.B);
        await using var _3 = back;
        var present = roomInfo.GetProperty("payload").GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()).ToHashSet();
        Assert.Contains(late.Id, present);
        Assert.Contains(early.Id, present);
        var joined = await lateSocket.WaitForAsync(6, m => m.GetProperty("payload").GetProperty("user_id").GetInt64() == early.Id, ClusterPair.Wait);
        Assert.Equal(early.Id, joined.GetProperty("payload").GetProperty("user_id").GetInt64());
    }

    [Fact]
    public async Task ARoomThatEmptiesNoLongerNamesItsNode()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(cluster.A);
        var guest = await meeting.ParticipantAsync();
        var (socket, _) = await meeting.JoinAsync(guest);
        await WaitForOwnerAsync(cluster, meeting.Id, "node-a");

        await socket.SendAsync(new { id = "bye", type = 5, payload = new { meeting_id = meeting.Id } });
        await socket.WaitForCloseAsync(ClusterPair.Wait);
        await socket.DisposeAsync();

        await WaitForOwnerAsync(cluster, meeting.Id, null);
    }

    private static async Task WaitForOwnerAsync(ClusterPair cluster, long meetingId, string? nodeId)
    {
        await MeetingKit.EventuallyAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(cluster.Database.ConnectionString);
            var owner = await connection.QuerySingleOrDefaultAsync<string>("SELECT node_id FROM cluster_rooms WHERE meeting_id = @meetingId", new { meetingId });
            return owner == nodeId;
        }, ClusterPair.Wait, nodeId is null ? $"meeting {meetingId} has no node" : $"meeting {meetingId} is recorded on {nodeId}");
    }
}
