using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace WeCompany.Cluster.Tests;

/// <summary>
/// A file uploaded through one node process is served by every other node and through nginx: the bytes live in
/// PostgreSQL (Files:Storage defaults to postgres in a cluster), and each node has only its own data folder.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CrossNodeFileTests(ClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.RestoreAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static HttpClient DirectClient(ServerNode node, ClusterUser user)
    {
        var client = new HttpClient { BaseAddress = node.DirectAddress, Timeout = GatewayClient.Timeout };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        return client;
    }

    [Fact]
    public async Task AFileUploadedThroughOneNodeDownloadsWholeAndByRangeThroughEveryOtherNodeAndNginx()
    {
        var host = await GatewayClient.RegisterAsync(cluster);
        var meetingId = await host.CreateMeetingAsync();
        var uploadNode = cluster.Nodes[0];
        // 1.3 MiB of noise behind a PDF signature: several storage chunks, nothing to compress.
        var content = new byte[1_300_000];
        new Random(17).NextBytes(content);
        "%PDF-1.7\n"u8.CopyTo(content);

        string fileId;
        using (var uploader = DirectClient(uploadNode, host))
        {
            using var form = new MultipartFormDataContent();
            form.Add(new StringContent(meetingId.ToString(CultureInfo.InvariantCulture)), "meeting_id");
            form.Add(new StringContent("document"), "file_type");
            var file = new ByteArrayContent(content);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "file", "handout.pdf");
            using var uploaded = await uploader.PostAsync("api/v1/media/upload", form).WaitAsync(GatewayClient.Timeout);
            Assert.Equal(uploadNode.Id, GatewayClient.NodeOf(uploaded));
            fileId = (await ApiAssert.SuccessAsync(uploaded)).GetProperty("file_id").GetString()!;
        }
        var path = $"api/v1/media/files/{fileId}";

        foreach (var node in cluster.Nodes.Where(n => n != uploadNode))
        {
            using var client = DirectClient(node, host);
            using var whole = await client.GetAsync(path).WaitAsync(GatewayClient.Timeout);
            Assert.True(whole.StatusCode == HttpStatusCode.OK, $"{node.Id} answered {(int)whole.StatusCode}\n{cluster.Logs()}");
            Assert.Equal(node.Id, GatewayClient.NodeOf(whole));
            Assert.Equal(content, await whole.Content.ReadAsByteArrayAsync());

            using var rangeRequest = new HttpRequestMessage(HttpMethod.Get, path);
            rangeRequest.Headers.Range = new RangeHeaderValue(1_000_000, 1_000_999);
            using var range = await client.SendAsync(rangeRequest).WaitAsync(GatewayClient.Timeout);
            Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
            Assert.Equal(content.AsSpan(1_000_000, 1000).ToArray(), await range.Content.ReadAsByteArrayAsync());
            Assert.Equal($"bytes 1000000-1000999/{content.Length}", range.Content.Headers.ContentRange!.ToString());
        }

        // nginx balances REST round robin: whichever node answers has the file.
        var answered = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ClusterFixture.NodeCount; i++)
        {
            using var through = await host.Client.GetAsync(path).WaitAsync(GatewayClient.Timeout);
            Assert.Equal(HttpStatusCode.OK, through.StatusCode);
            Assert.Equal(content, await through.Content.ReadAsByteArrayAsync());
            answered.Add(GatewayClient.NodeOf(through) ?? "(no node header)");
        }
        Assert.DoesNotContain("(no node header)", answered);
    }
}
