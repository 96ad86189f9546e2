using System.Net.Http.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Signaling;
using WeCompany.Server.Meetings;
using WeCompany.Server.Tests.Signaling;

namespace WeCompany.Server.Tests.Cluster;

/// <summary>
/// A meeting notice (a file shared into the meeting) published on a node that does not host the room: stored once
/// by that node, shown live once in the room on the hosting node.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterNoticeTests
{
    private static Task PublishAsync(TestServer node, long meetingId, long userId, string content) =>
        node.Service<IMeetingEventBus>().PublishAsync(new MeetingNotice(meetingId, userId, content), CancellationToken.None).AsTask().WaitAsync(ClusterPair.Wait);

    private static async Task<ChatHistoryPage> HistoryAsync(TestServer node, string token, long meetingId)
    {
        using var client = node.ClientFor(token);
        using var response = await client.GetAsync($"api/v1/meetings/{meetingId}/messages?limit=100").WaitAsync(ClusterPair.Wait);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ApiResponse<ChatHistoryPage>>(WireJson.Options).WaitAsync(ClusterPair.Wait))!.Data!;
    }

    [Fact]
    public async Task ANoticePublishedOnTheOtherNodeAppearsLiveOnceInTheRoomAndIsStoredOnce()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(cluster.A);
        var guest = await meeting.ParticipantAsync();
        var (socket, _) = await meeting.JoinAsync(guest);
        await using var _1 = socket;
        var id = Guid.NewGuid().ToString("N")[..8];
        string remote = "report.pdf shared on B " + id, local = "slides.pdf shared on A " + id, fence = "notes.txt shared on B " + id;

        // B stores and forwards; A (hosting) stores and shows its own; a last notice from B comes behind on the
        // same ordered bus, so any second copy of the first would already be here when it arrives.
        await PublishAsync(cluster.B, meeting.Id, guest.Id, remote);
        await PublishAsync(cluster.A, meeting.Id, guest.Id, local);
        await PublishAsync(cluster.B, meeting.Id, guest.Id, fence);

        var shown = new Dictionary<string, List<long>>();
        while (!shown.ContainsKey(fence) || !shown.ContainsKey(remote) || !shown.ContainsKey(local))
        {
            var chat = await socket.WaitForAsync(8, timeout: ClusterPair.Wait);
            Assert.Equal(0, chat.GetProperty("from_user_id").GetInt64());
            var payload = chat.GetProperty("payload");
            var content = payload.GetProperty("content").GetString()!;
            if (!shown.TryGetValue(content, out var seqs))
            {
                shown[content] = seqs = [];
            }
            seqs.Add(payload.GetProperty("seq").GetInt64());
        }

        Assert.Single(shown[remote]);
        Assert.Single(shown[local]);
        var history = await HistoryAsync(cluster.A, guest.User.Token, meeting.Id);
        Assert.Equal(3, history.Messages.Count);
        foreach (var (content, seqs) in shown)
        {
            // The live message is the stored one: same number, stored once.
            var stored = Assert.Single(history.Messages, m => m.Content == content);
            Assert.Equal(seqs[0], stored.Seq);
            Assert.Equal(0, stored.FromUserId);
        }
    }
}
