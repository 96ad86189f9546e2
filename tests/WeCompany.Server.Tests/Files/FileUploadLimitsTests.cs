using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Tests.Infrastructure;
using static WeCompany.Server.Tests.Files.FileUploads;

namespace WeCompany.Server.Tests.Files;

/// <summary>The bad uploads of issue 8; after each, a good upload still works.</summary>
public sealed class FileUploadLimitsTests
{
    /// <summary>A server with one user who hosts one meeting (created through the REST API).</summary>
    private static async Task<(TestServer Server, HttpClient Client, long Meeting)> StartAsync(Dictionary<string, string?>? settings = null, StoreKind store = StoreKind.Sqlite)
    {
        var server = await Stores.StartAsync(store, settings);
        var (_, client) = await server.UserAsync("uploader");
        return (server, client, await MeetingAsync(client));
    }

    private static string Incoming(TestServer server) => Path.Combine(server.DataDir, "files", "incoming");

    [Fact]
    public async Task APathInTheFileNameIsReducedToItsLastSegment()
    {
        var (server, client, meeting) = await StartAsync();
        await using var _ = server;

        var unix = await UploadOkAsync(client, Pdf(1000), "../../x.pdf", meeting);
        var windows = await UploadOkAsync(client, Pdf(1000), "..\\..\\windows\\y.pdf", meeting);

        Assert.Equal("x.pdf", unix.FileName);
        Assert.Equal("y.pdf", windows.FileName);
        Assert.False(File.Exists(Path.Combine(server.DataDir, "..", "x.pdf")));
        Assert.Empty(Directory.EnumerateFiles(server.DataDir, "*.pdf", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ANameOfTenThousandCharactersIsCutKeepingItsExtension()
    {
        var (server, client, meeting) = await StartAsync();
        await using var _ = server;

        var info = await UploadOkAsync(client, Pdf(1000), new string('a', 10_000) + ".pdf", meeting);
        using var download = await client.GetAsync(info.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(255, info.FileName.Length);
        Assert.EndsWith("aaa.pdf", info.FileName, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        await UploadOkAsync(client, Pdf(1000), "fine.pdf", meeting);
    }

    [Theory]
    [InlineData("image", "photo.png", "pdf")]
    [InlineData("document", "report.pdf", "png")]
    [InlineData("image", "fake.png", "text")]
    [InlineData("document", "program.exe", "elf")]
    [InlineData("spreadsheet", "report.pdf", "pdf")]
    public async Task AContentThatIsNotTheDeclaredTypeIsRefusedWith30002(string fileType, string name, string actual)
    {
        var (server, client, meeting) = await StartAsync();
        await using var _ = server;
        var content = actual switch
        {
            "pdf" => Pdf(3000),
            "png" => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13],
            "text" => Encoding.UTF8.GetBytes("just some text pretending to be an image"),
            _ => [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0, 0, 0, 0],
        };

        using var bad = await UploadAsync(client, content, name, meeting, fileType);
        using var badFieldsLast = await UploadAsync(client, content, name, meeting, fileType, fieldsFirst: false);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, bad.StatusCode);
        Assert.Equal(ErrorCodes.FileTypeUnsupported, (await ErrorAsync(bad)).Code);
        Assert.Equal(ErrorCodes.FileTypeUnsupported, (await ErrorAsync(badFieldsLast)).Code);
        await UploadOkAsync(client, Pdf(1000), "good.pdf", meeting);
        Assert.Empty(Directory.EnumerateFiles(Incoming(server)));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AFileOverTheSizeLimitAnswers413With30003AndLeavesNothingBehind(StoreKind store)
    {
        var (server, client, meeting) = await StartAsync(new() { ["Files:MaxFileBytes"] = "65536" }, store);
        await using var _ = server;

        using var tooBig = await UploadAsync(client, Pdf(200_000), "big.pdf", meeting);
        using var justOver = await UploadAsync(client, Pdf(65_537), "over.pdf", meeting);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal(ErrorCodes.FileTooLarge, (await ErrorAsync(tooBig)).Code);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, justOver.StatusCode);
        Assert.Equal(65_536, (await UploadOkAsync(client, Pdf(65_536), "exact.pdf", meeting)).FileSize);
        Assert.Equal(0, await StoredObjects.PartialAsync(server));
        Assert.Equal(1, await StoredObjects.CommittedAsync(server));
    }

    [Fact]
    public async Task TheUploadIsNotLimitedByTheServerWideOneMebibyteBodyLimit()
    {
        var (server, client, meeting) = await StartAsync();
        await using var _ = server;

        var info = await UploadOkAsync(client, Pdf(5 << 20), "five-mebibytes.pdf", meeting);

        Assert.Equal(5 << 20, info.FileSize);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AClientThatStopsHalfWayLeavesNoPartialFile(StoreKind store)
    {
        var (server, client, meeting) = await StartAsync(store: store);
        await using var _ = server;
        var token = client.DefaultRequestHeaders.Authorization!.Parameter;
        const string boundary = "halfway-boundary";
        var head = Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"meeting_id\"\r\n\r\n{meeting}\r\n" +
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file_type\"\r\n\r\ndocument\r\n" +
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.pdf\"\r\nContent-Type: application/pdf\r\n\r\n");
        var request = Encoding.ASCII.GetBytes(
            $"POST /api/v1/media/upload HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\nAuthorization: Bearer {token}\r\n" +
            $"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {head.Length + (10 << 20)}\r\n\r\n");

        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port).WaitAsync(TimeSpan.FromSeconds(10));
            var stream = socket.GetStream();
            await stream.WriteAsync(request);
            await stream.WriteAsync(head);
            await stream.WriteAsync(Pdf(1 << 20));
            await StoredObjects.EventuallyAsync(async () => store == StoreKind.Postgres
                ? await StoredObjects.ChunksAsync(server) > 0
                : Directory.Exists(Incoming(server)) && Directory.EnumerateFiles(Incoming(server), "*.part").Any(f => new FileInfo(f).Length > 0), "the upload is being written");
            socket.Client.LingerState = new LingerOption(true, 0);
        }

        await StoredObjects.EventuallyAsync(async () => await StoredObjects.PartialAsync(server) == 0, "the partial file is removed");
        await UploadOkAsync(client, Pdf(1000), "after.pdf", meeting);
        Assert.Equal(1, await StoredObjects.CommittedAsync(server));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task TwoUploadsRacingForTheLastQuotaOnlyOneFits(StoreKind store)
    {
        var (server, client, meeting) = await StartAsync(new() { ["Files:QuotaBytesPerUser"] = "150000" }, store);
        await using var _ = server;

        for (var round = 0; round < 3; round++)
        {
            var racing = await Task.WhenAll(
                UploadAsync(client, Pdf(100_000, 1), "left.pdf", meeting),
                UploadAsync(client, Pdf(100_000, 2), "right.pdf", meeting));

            var winners = racing.Where(r => r.IsSuccessStatusCode).ToList();
            var loser = Assert.Single(racing, r => !r.IsSuccessStatusCode);
            Assert.Single(winners);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, loser.StatusCode);
            Assert.Equal(ErrorCodes.QuotaExceeded, (await ErrorAsync(loser)).Code);
            // Deleting the winner's file gives its bytes back.
            var won = (await winners[0].Content.ReadFromJsonAsync<ApiResponse<FileInfoResponse>>(Protocol.WireJson.Options))!.Data;
            using var deleted = await client.DeleteAsync(won.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            foreach (var response in racing)
            {
                response.Dispose();
            }
        }
        await UploadOkAsync(client, Pdf(150_000), "all-of-it.pdf", meeting);
        Assert.Equal(0, await StoredObjects.PartialAsync(server));
        Assert.Equal(1, await StoredObjects.CommittedAsync(server));
    }

    [Fact]
    public async Task AFormWithoutTheFileOrTheFieldsIsRefused()
    {
        var (server, client, meeting) = await StartAsync();
        await using var _ = server;
        using var onlyFields = new MultipartFormDataContent { { new StringContent(meeting.ToString(System.Globalization.CultureInfo.InvariantCulture)), "meeting_id" }, { new StringContent("document"), "file_type" } };

        using var noFile = await client.PostAsync("/api/v1/media/upload", onlyFields).WaitAsync(TimeSpan.FromSeconds(10));
        using var notMultipart = await client.PostAsync("/api/v1/media/upload", new StringContent("{}", Encoding.UTF8, "application/json")).WaitAsync(TimeSpan.FromSeconds(10));
        using var empty = await UploadAsync(client, [], "empty.pdf", meeting);

        Assert.Equal(HttpStatusCode.BadRequest, noFile.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notMultipart.StatusCode);
        Assert.Equal(ErrorCodes.ValidationFailed, (await ErrorAsync(empty)).Code);
        await UploadOkAsync(client, Pdf(1000), "fine.pdf", meeting);
    }
}
