using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Files;
using WeCompany.Server.Tests.Files;
using static WeCompany.Server.Tests.Files.FileUploads;

namespace WeCompany.Server.Tests.Cluster;

/// <summary>
/// Files in a cluster live in PostgreSQL (Files:Storage defaults to postgres there): each node has its own data
/// folder, as two hosts would, and still serves what the other stored; an upload that does not finish leaves no
/// chunks behind.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterFileTests
{
    [Fact]
    public async Task AFileUploadedThroughOneNodeDownloadsThroughTheOther()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var user = await ClusterPair.UserAsync(cluster.A);
        using var throughA = cluster.A.ClientFor(user.Token);
        using var throughB = cluster.B.ClientFor(user.Token);
        var meeting = await MeetingAsync(throughA);
        // Three chunks and a bit: the range below spans the edge of the first two.
        var content = Pdf(3 * PostgresFileStorage.ChunkBytes + 4321, seed: 9);

        var info = await UploadOkAsync(throughA, content, "handout.pdf", meeting);
        var path = $"api/v1/media/files/{info.FileId}";
        using var whole = await throughB.GetAsync(path).WaitAsync(ClusterPair.Wait);
        using var rangeRequest = new HttpRequestMessage(HttpMethod.Get, path);
        rangeRequest.Headers.Range = new RangeHeaderValue(PostgresFileStorage.ChunkBytes - 100, PostgresFileStorage.ChunkBytes + 99);
        using var range = await throughB.SendAsync(rangeRequest).WaitAsync(ClusterPair.Wait);
        using var beyondRequest = new HttpRequestMessage(HttpMethod.Get, path);
        beyondRequest.Headers.Range = new RangeHeaderValue(content.Length, null);
        using var beyond = await throughB.SendAsync(beyondRequest).WaitAsync(ClusterPair.Wait);

        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(content, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal("\"" + info.FileId + "\"", whole.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(content.AsSpan(PostgresFileStorage.ChunkBytes - 100, 200).ToArray(), await range.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes {PostgresFileStorage.ChunkBytes - 100}-{PostgresFileStorage.ChunkBytes + 99}/{content.Length}", range.Content.Headers.ContentRange!.ToString());
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
        // Neither node's own folder holds the bytes.
        foreach (var node in new[] { cluster.A, cluster.B })
        {
            Assert.DoesNotContain(Directory.EnumerateFiles(node.DataDir, "*", SearchOption.AllDirectories), f => new FileInfo(f).Length >= content.Length);
        }

        using var deleted = await throughB.DeleteAsync(path).WaitAsync(ClusterPair.Wait);
        using var gone = await throughA.GetAsync(path).WaitAsync(ClusterPair.Wait);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(0, await StoredObjects.ChunksAsync(cluster.A));
    }

    [Fact]
    public async Task AnUploadOverTheLimitLeavesNoChunksBehind()
    {
        // 1.5 MiB: three chunks are written before the fourth shows the file is too large.
        const int limit = 3 * PostgresFileStorage.ChunkBytes;
        await using var cluster = await ClusterPair.StartAsync(new() { ["Files:MaxFileBytes"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var user = await ClusterPair.UserAsync(cluster.A);
        using var throughB = cluster.B.ClientFor(user.Token);
        var meeting = await MeetingAsync(throughB);

        // Within the multipart allowance, so the body is streamed into storage until the file passes the limit.
        using var tooLarge = await UploadAsync(throughB, Pdf(limit + 1000), "too-large.pdf", meeting);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(ErrorCodes.FileTooLarge, (await ErrorAsync(tooLarge)).Code);
        Assert.Equal(0, await StoredObjects.ChunksAsync(cluster.A));
        Assert.Equal(0, await StoredObjects.PartialAsync(cluster.A));
    }

    [Fact]
    public async Task AClientThatDisconnectsMidUploadLeavesNoChunksBehind()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var user = await ClusterPair.UserAsync(cluster.B);
        using var throughA = cluster.A.ClientFor(user.Token);
        var meeting = await MeetingAsync(throughA);
        const string boundary = "cut-off-boundary";
        var head = Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"meeting_id\"\r\n\r\n{meeting}\r\n" +
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file_type\"\r\n\r\ndocument\r\n" +
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.pdf\"\r\nContent-Type: application/pdf\r\n\r\n");
        var request = Encoding.ASCII.GetBytes(
            $"POST /api/v1/media/upload HTTP/1.1\r\nHost: {cluster.B.BaseAddress.Authority}\r\nAuthorization: Bearer {user.Token}\r\n" +
            $"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {head.Length + (10 << 20)}\r\n\r\n");

        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(cluster.B.BaseAddress.Host, cluster.B.BaseAddress.Port).WaitAsync(ClusterPair.Wait);
            var stream = socket.GetStream();
            await stream.WriteAsync(request);
            await stream.WriteAsync(head);
            await stream.WriteAsync(Pdf(3 * PostgresFileStorage.ChunkBytes));
            await StoredObjects.EventuallyAsync(async () => await StoredObjects.ChunksAsync(cluster.A) >= 2, "chunks of the upload are in PostgreSQL");
            // Reset, not a polite close: what a client that crashed or lost its network does.
            socket.Client.LingerState = new LingerOption(true, 0);
        }

        await StoredObjects.EventuallyAsync(async () => await StoredObjects.PartialAsync(cluster.A) == 0, "the partial upload's chunks are deleted");
        Assert.Equal(0, await StoredObjects.ChunksAsync(cluster.A));
        await UploadOkAsync(throughA, Pdf(1000), "after.pdf", meeting);
    }
}
