using System.Net.Http.Json;
using WeCompany.Server.Tests.Cluster;
using WeCompany.Server.Tests.Meetings;

namespace WeCompany.Server.Tests.Webhooks;

/// <summary>Two nodes on one PostgreSQL, both running the delivery worker: every event goes out once, not once per node.</summary>
public sealed class WebhookClusterTests
{
    [Fact]
    public async Task TwoNodesDeliverEachEventOnceAndInOrderPerMeeting()
    {
        // A few milliseconds per answer keep requests in flight on both nodes at once.
        await using var receiver = await WebhookReceiver.StartAsync(x => Task.Delay(3));
        await using var pair = await ClusterPair.StartAsync(WebhookKit.Settings());
        var root = await ClusterPair.UserAsync(pair.A, ClusterPair.AdminName);
        var onA = new MeetingUser(root.Id, root.Username, root.Token, pair.A.ClientFor(root.Token));
        var onB = new MeetingUser(root.Id, root.Username, root.Token, pair.B.ClientFor(root.Token));
        var hook = await onA.RegisterWebhookAsync(receiver.Url, "meeting.created", "meeting.updated");

        // 40 meetings created through both nodes at once, then each renamed through the other node.
        var meetings = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? onA : onB).CreateMeetingIdAsync()));
        await Task.WhenAll(meetings.Select(async (id, i) => await ApiAssert.SuccessAsync(
            await (i % 2 == 0 ? onB : onA).Client.PutAsJsonAsync($"api/v1/meetings/{id}", new { title = "Renamed " + i }).WaitAsync(MeetingKit.Timeout))));

        await onB.WaitForDeliveriesAsync(hook.Id, rows => rows.Count == 80 && rows.All(r => r.GetProperty("state").GetString() == "delivered"),
            "all 80 deliveries to be delivered");
        var received = receiver.Received;
        Assert.Equal(80, received.Count);
        Assert.Equal(80, received.Select(r => r.EventId).Distinct().Count());
        foreach (var id in meetings)
        {
            Assert.Equal(["meeting.created", "meeting.updated"], received.Where(r => r.MeetingId == id).Select(r => r.Type));
        }
    }
}
