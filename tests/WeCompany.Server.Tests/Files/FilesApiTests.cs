using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Meetings;
using WeCompany.Server.Tests.Infrastructure;
using static WeCompany.Server.Tests.Files.FileUploads;

namespace WeCompany.Server.Tests.Files;

public sealed class FilesApiTests
{
    /// <summary>A meeting id no meeting has on a fresh server.</summary>
    private const long NoSuchMeeting = 999_999;

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task UploadThenDownloadGivesBackTheSameBytesUnderTheOriginalName(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var (_, host) = await server.UserAsync("hostess");
        var meeting = await MeetingAsync(host);
        var content = Pdf(300_000);

        var info = await UploadOkAsync(host, content, "Quartalsbericht Ärger.pdf", meeting);

        Assert.StartsWith("file_", info.FileId, StringComparison.Ordinal);
        Assert.Equal("Quartalsbericht Ärger.pdf", info.FileName);
        Assert.Equal(content.Length, info.FileSize);
        Assert.Equal($"{server.BaseAddress.ToString().TrimEnd('/')}/api/v1/media/files/{info.FileId}", info.FileUrl);
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

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task RangeAndETagLetADownloadResumeAndRevalidate(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var (_, host) = await server.UserAsync("ranger");
        var meeting = await MeetingAsync(host);
        var content = Pdf(1_000_000, seed: 7);
        var info = await UploadOkAsync(host, content, "big.pdf", meeting);

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
        await using var server = await TestServer.StartAsync();
        var (hostId, host) = await server.UserAsync("notary");
        var meeting = await MeetingAsync(host);
        var notices = new TaskCompletionSource<MeetingNotice>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = server.Service<IMeetingEventBus>().Subscribe((e, _) =>
        {
            if (e is MeetingNotice notice)
            {
                notices.TrySetResult(notice);
            }
            return ValueTask.CompletedTask;
        });

        var info = await UploadOkAsync(host, Pdf(2000), "agenda.pdf", meeting);
        var posted = await notices.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(meeting, posted.MeetingId);
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
        await using var server = await Stores.StartAsync(store);
        var (_, host) = await server.UserAsync("host1");
        var (guestId, guest) = await server.UserAsync("guest1");
        var (_, outsider) = await server.UserAsync("outsider1");
        var meeting = await MeetingAsync(host, guest);
        var info = await UploadOkAsync(guest, Pdf(5000), "notes.pdf", meeting);

        using var hostList = await host.GetAsync($"/api/v1/meetings/{meeting}/files").WaitAsync(TimeSpan.FromSeconds(10));
        using var outsiderList = await outsider.GetAsync($"/api/v1/meetings/{meeting}/files").WaitAsync(TimeSpan.FromSeconds(10));
        using var outsiderDownload = await outsider.GetAsync(info.FileUrl).WaitAsync(TimeSpan.FromSeconds(10));
        using var outsiderUpload = await UploadAsync(outsider, Pdf(100), "spam.pdf", meeting);
        using var unknownMeeting = await UploadAsync(host, Pdf(100), "lost.pdf", NoSuchMeeting);
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
        await using var server = await Stores.StartAsync(store);
        var (_, host) = await server.UserAsync("pager");
        var meeting = await MeetingAsync(host);
        for (var i = 1; i <= 5; i++)
        {
            await UploadOkAsync(host, Pdf(100, i), $"file{i}.pdf", meeting);
        }

        using var second = await host.GetAsync($"/api/v1/meetings/{meeting}/files?page=2&page_size=2").WaitAsync(TimeSpan.FromSeconds(10));
        using var tooBig = await host.GetAsync($"/api/v1/meetings/{meeting}/files?page_size=101").WaitAsync(TimeSpan.FromSeconds(10));

        var page = (await second.Content.ReadFromJsonAsync<ApiResponse<FileListResponse>>(WireJson.Options))!.Data;
        Assert.Equal(["file3.pdf", "file2.pdf"], page.Files.Select(f => f.FileName));
        Assert.Equal((5L, 2, 2, 3), (page.Total, page.Page, page.PageSize, page.TotalPages));
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task OnlyTheUploaderOrTheHostMayDelete(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var (_, host) = await server.UserAsync("host2");
        var (_, alice) = await server.UserAsync("alice2");
        var (_, bob) = await server.UserAsync("bob2");
        var meeting = await MeetingAsync(host, alice, bob);
        var first = await UploadOkAsync(alice, Pdf(4000, 1), "one.pdf", meeting);
        var second = await UploadOkAsync(alice, Pdf(4000, 2), "two.pdf", meeting);
        var storedFiles = await StoredObjects.CommittedAsync(server);

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
        Assert.Equal(0, await StoredObjects.CommittedAsync(server));
    }
}
