using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace WeCompany.Cluster.Tests;

/// <summary>A file shared into a meeting through a node that does not host it is announced live in the room, once.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CrossNodeNoticeTests(ClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.RestoreAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task UploadAsync(ServerNode node, ClusterUser user, long meetingId, string fileName)
    {
        using var client = new HttpClient { BaseAddress = node.DirectAddress, Timeout = GatewayClient.Timeout };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(meetingId.ToString(CultureInfo.InvariantCulture)), "meeting_id");
        form.Add(new StringContent("document"), "file_type");
        var file = new ByteArrayContent([.. "%PDF-1.7\n"u8, .. new byte[512]]);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        using var response = await client.PostAsync("api/v1/media/upload", form).WaitAsync(GatewayClient.Timeout);
        Assert.Equal(node.Id, GatewayClient.NodeOf(response));
        await ApiAssert.SuccessAsync(response);
    }

    private static bool IsNoticeOf(JsonElement message, string fileName) =>
        message.GetProperty("type").GetInt32() == 8 && message.GetProperty("from_user_id").GetInt64() == 0
        && message.GetProperty("payload").GetProperty("content").GetString()!.Contains(fileName, StringComparison.Ordinal);

    [Fact]
    public async Task AFileUploadedThroughANodeThatDoesNotHostTheMeetingIsAnnouncedLiveInTheRoomOnce()
    {
        await using var meeting = await ClusterMeeting.StartAsync(cluster, others: 1);
        var hosting = meeting.HostingNode();
        var elsewhere = cluster.Nodes.First(n => n.IsRunning && n.Id != hosting);
        var (uploader, watcher) = (meeting.Sockets[0], meeting.Sockets[1]);
        var id = Guid.NewGuid().ToString("N")[..8];
        string first = $"agenda-{id}.pdf", second = $"minutes-{id}.pdf";

        await UploadAsync(elsewhere, uploader.User, meeting.Id, first);
        // The second notice travels the same ordered bus behind the first: a second copy of the first would be
        // in before it.
        await UploadAsync(elsewhere, uploader.User, meeting.Id, second);

        foreach (var socket in meeting.Sockets)
        {
            await socket.WaitForAsync(m => IsNoticeOf(m, second), $"the notice of {second}");
        }
        var shown = await watcher.WaitForAsync(m => IsNoticeOf(m, first), $"the notice of {first}");
        var copies = 0;
        for (var i = 0; i < watcher.Count; i++)
        {
            if (IsNoticeOf(await watcher.WaitForAsync(_ => true, "a received message", from: i), first))
            {
                copies++;
            }
        }
        Assert.Equal(1, copies);
        var stored = Assert.Single(await watcher.User.ChatHistoryAsync(meeting.Id), m => m.GetProperty("content").GetString()!.Contains(first, StringComparison.Ordinal));
        Assert.Equal(shown.GetProperty("payload").GetProperty("seq").GetInt64(), stored.GetProperty("seq").GetInt64());
    }
}
