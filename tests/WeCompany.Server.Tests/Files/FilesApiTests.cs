using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Files;
using WeCompany.Server.Meetings;
using WeCompany.Server.Tests.Infrastructure;
using static WeCompany.Server.Tests.Files.FileUploads;

namespace WeCompany.Server.Tests.Files;

public sealed class FilesApiTests
{
    private const long Meeting = 100;

    private static async Task<(RunningServer Server, TestMeetingAccess Meetings)> StartAsync(StoreKind store = StoreKind.Sqlite)
    {
        var meetings = new TestMeetingAccess();
        var postgres = store == StoreKind.Postgres ? await PostgresServer.CreateDatabaseAsync() : null;
        var server = await RunningServer.StartAsync(null, services => services.AddSingleton<IMeetingAccess>(meetings), postgres);
        return (server, meetings);
    }

    [Fact]
    public async Task UploadThenDownloadGivesBackTheSameBytesUnderTheOriginalName()
    {
        var (server, meetings) = await StartAsync();
        await using var _ = server;
        var (hostId, host) = await server.RegisterAsync("hostess");
        meetings.AddMeeting(Meeting, hostId);
        var content = Pdf(300_000);

        var info = await UploadOkAsync(host, content, "Quartalsbericht Ärger.pdf", Meeting);

        Assert.StartsWith("file_", info.FileId, StringComparison.Ordinal);
        Assert.Equal("Quartalsbericht Ärger.pdf", info.FileName);
        Assert.Equal(content.Length, info.FileSize);
        Assert.Equal($"{server.Address.ToString().TrimEnd('/')}/api/v1/media/files/{info.FileId}", info.FileUrl);
        Assert.True(DateTimeOffset.UtcNow - info.UploadedAt < TimeSpan.FromMinutes(1));
        using var download = await host.GetAsync(info.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", download.Content.Headers.ContentType!.MediaType);
        var disposition = download.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal("Quartalsbericht Ärger.pdf", Uri.UnescapeDataString(disposition.FileNameStar!));
        // The bytes on disk carry a generated name, never the client's.
        Assert.DoesNotContain(Directory.EnumerateFiles(server.DataDir, "*", SearchOption.AllDirectories), f => f.Contains("Quartalsbericht", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RangeAndETagLetADownloadResumeAndRevalidate()
    {
        var (server, meetings) = await StartAsync();
        await using var _ = server;
        var (hostId, host) = await server.RegisterAsync("ranger");
        meetings.AddMeeting(Meeting, hostId);
        var content = Pdf(1_000_000, seed: 7);
        var info = await UploadOkAsync(host, content, "big.pdf", Meeting);

        using var full = await host.GetAsync(info.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));
        var tag = full.Headers.ETag!;
        using var rangeRequest = new HttpRequestMessage(HttpMethod.Get, info.FileUrl);
        rangeRequest.Headers.Range = new RangeHeaderValue(500_000, 500_099);
        rangeRequest.Headers.IfRange = new RangeConditionHeaderValue(tag);
        using var part = await host.SendAsync(rangeRequest).WaitAsync(TimeSpan.FromSeconds(10));
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, info.FileUrl);
        revalidate.Headers.IfNoneMatch.Add(tag);
        using var notModified = await host.SendAsync(revalidate).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(content.AsSpan(500_000, 100).ToArray(), await part.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes 500000-500099/1000000", part.Content.Headers.ContentRange!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task UploadPostsAChatNoticeWithTheLinkToTheMeeting()
    {
        var (server, meetings) = await StartAsync();
        await using var _ = server;
        var (hostId, host) = await server.RegisterAsync("notary");
        meetings.AddMeeting(Meeting, hostId);
        var notices = new TaskCompletionSource<MeetingNotice>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = server.Services.GetRequiredService<IMeetingEventBus>().Subscribe((e, _) =>
        {
            if (e is MeetingNotice notice)
            {
                notices.TrySetResult(notice);
            }
            return ValueTask.CompletedTask;
        });

        var info = await UploadOkAsync(host, Pdf(2000), "agenda.pdf", Meeting);
        var posted = await notices.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Meeting, posted.MeetingId);
        Assert.Equal(hostId, posted.UserId);
        Assert.Contains("agenda.pdf", posted.Content, StringComparison.Ordinal);
        Assert.Contains(info.FileUrl, posted.Content, StringComparison.Ordinal);
        var metrics = await server.Client.GetStringAsync("/metrics").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("files_uploaded_bytes_total 2000", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task OnlyTheMeetingsParticipantsMayListOrDownload(StoreKind store)
    {
        var (server, meetings) = await StartAsync(store);
        await using var _ = server;
        var (hostId, host) = await server.RegisterAsync("host1");
        var (guestId, guest) = await server.RegisterAsync("guest1");
        var (_, outsider) = await server.RegisterAsync("outsider1");
        meetings.AddMeeting(Meeting, hostId, guestId);
        var info = await UploadOkAsync(guest, Pdf(5000), "notes.pdf", Meeting);

        using var hostList = await host.GetAsync($"/api/v1/meetings/{Meeting}/files").WaitAsync(TimeSpan.FromSeconds(10));
        using var outsiderList = await outsider.GetAsync($"/api/v1/meetings/{Meeting}/files").WaitAsync(TimeSpan.FromSeconds(10));
        using var outsiderDownload = await outsider.GetAsync(info.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));
        using var outsiderUpload = await UploadAsync(outsider, Pdf(100), "spam.pdf", Meeting);
        using var unknownMeeting = await UploadAsync(host, Pdf(100), "lost.pdf", 999);
        using var anonymous = await server.Client.GetAsync(info.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));

        var list = (await hostList.Content.ReadFromJsonAsync<ApiResponse<FileListResponse>>(WireJson.Options))!.Data;
        Assert.Equal(info.FileId, Assert.Single(list.Files).FileId);
        Assert.Equal(guestId, list.Files[0].UploadedBy);
        Assert.Equal(HttpStatusCode.Forbidden, outsiderList.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outsiderDownload.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outsiderUpload.StatusCode);
        Assert.Equal(ErrorCodes.MeetingNotFound, (await ErrorAsync(unknownMeeting)).Code);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task TheListComesNewestFirstByPage(StoreKind store)
    {
        var (server, meetings) = await StartAsync(store);
        await using var _ = server;
        var (hostId, host) = await server.RegisterAsync("pager");
        meetings.AddMeeting(Meeting, hostId);
        for (var i = 1; i <= 5; i++)
        {
            await UploadOkAsync(host, Pdf(100, i), $"file{i}.pdf", Meeting);
        }

        using var second = await host.GetAsync($"/api/v1/meetings/{Meeting}/files?page=2&page_size=2").WaitAsync(TimeSpan.FromSeconds(10));
        using var tooBig = await host.GetAsync($"/api/v1/meetings/{Meeting}/files?page_size=101").WaitAsync(TimeSpan.FromSeconds(10));

        var page = (await second.Content.ReadFromJsonAsync<ApiResponse<FileListResponse>>(WireJson.Options))!.Data;
        Assert.Equal(["file3.pdf", "file2.pdf"], page.Files.Select(f => f.FileName));
        Assert.Equal((5L, 2, 2, 3), (page.Total, page.Page, page.PageSize, page.TotalPages));
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task OnlyTheUploaderOrTheHostMayDelete(StoreKind store)
    {
        var (server, meetings) = await StartAsync(store);
        await using var _ = server;
        var (hostId, host) = await server.RegisterAsync("host2");
        var (aliceId, alice) = await server.RegisterAsync("alice2");
        var (bobId, bob) = await server.RegisterAsync("bob2");
        meetings.AddMeeting(Meeting, hostId, aliceId, bobId);
        var first = await UploadOkAsync(alice, Pdf(4000, 1), "one.pdf", Meeting);
        var second = await UploadOkAsync(alice, Pdf(4000, 2), "two.pdf", Meeting);
        var storedFiles = Directory.EnumerateFiles(Path.Combine(server.DataDir, "files"), "*", SearchOption.AllDirectories).Count();

        using var byBob = await bob.DeleteAsync(first.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));
        using var byAlice = await alice.DeleteAsync(first.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));
        using var byHost = await host.DeleteAsync(second.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));
        using var afterwards = await alice.GetAsync(first.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.Forbidden, byBob.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byAlice.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byHost.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, afterwards.StatusCode);
        Assert.Equal(ErrorCodes.FileNotFound, (await ErrorAsync(afterwards)).Code);
        Assert.Equal(2, storedFiles);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDir, "files"), "*", SearchOption.AllDirectories));
    }
}
