using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using WeCompany.Server.Meetings;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Tests.Meetings;

/// <summary>
/// The meeting list is answered from <see cref="MeetingListCache"/>: these tests prove that whoever changes a meeting
/// on this node sees the change on their very next list, and that a change written by another node shows within
/// the cache's lifetime. The first two run with a lifetime of a minute, so only the invalidation can show a change.
/// </summary>
public sealed class MeetingListFreshnessTests
{
    private static readonly Dictionary<string, string?> LongLivedCache = new() { ["Meetings:ListCacheMilliseconds"] = "60000" };

    /// <summary>Another cluster node: its own store and cache over the same database, so this node hears nothing of its writes.</summary>
    private static async Task<long> InsertFromAnotherNodeAsync(TestServer server, long hostId, string title)
    {
        var otherNode = new MeetingStore(server.Service<Database>(), new MeetingListCache(TimeProvider.System, Options.Create(new MeetingsOptions())),
            server.Service<WeCompany.Server.Webhooks.WebhookOutbox>());
        var fields = new MeetingFields(title, "", DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeMilliseconds(), 60, 10,
            IsPublic: true, EnableRecording: false, EnableAiAnalysis: false, RequirePassword: false, PasswordHash: null, ScreenShareRequiresGrant: false);
        var written = await otherNode.InsertAsync(MeetingCode.New(), hostId, fields, [], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), CancellationToken.None)
            .WaitAsync(MeetingKit.Timeout);
        Assert.NotNull(written);
        return written.Id;
    }

    private static async Task<JsonElement> ListAsync(MeetingUser user, string query = "") =>
        await ApiAssert.SuccessAsync(await user.Client.GetAsync("api/v1/meetings?page=1&page_size=20" + query).WaitAsync(MeetingKit.Timeout));

    private static JsonElement? Row(JsonElement page, long meetingId) =>
        page.GetProperty("meetings").EnumerateArray().Where(m => m.GetProperty("meeting_id").GetInt64() == meetingId)
            .Select(m => (JsonElement?)m).FirstOrDefault();

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task EveryWriteShowsInTheNextListOfTheUserWhoMadeIt(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store, LongLivedCache);
        var host = await server.UserAsync();
        var guest = await server.UserAsync();
        var other = await server.UserAsync();
        var first = await host.CreateMeetingIdAsync(b => b["is_public"] = true);
        Assert.Equal(1, (await ListAsync(host)).GetProperty("total").GetInt64());
        Assert.NotNull(Row(await ListAsync(guest), first));

        // The list is served from memory: a write this node did not make does not show yet...
        var remote = await InsertFromAnotherNodeAsync(server, host.Id, "remote");
        Assert.Null(Row(await ListAsync(host), remote));

        // ... a create on this node does, at once, with the total counting both.
        var second = await host.CreateMeetingIdAsync(b => { b["is_public"] = true; b["title"] = "second"; });
        var listed = await ListAsync(host);
        Assert.Equal(3, listed.GetProperty("total").GetInt64());
        Assert.NotNull(Row(listed, remote));
        Assert.Equal("second", Row(listed, second)!.Value.GetProperty("title").GetString());
        Assert.NotNull(Row(await ListAsync(guest), second));

        // Update: the new title.
        var update = await host.Client.PutAsJsonAsync($"api/v1/meetings/{second}", new { title = "renamed" }).WaitAsync(MeetingKit.Timeout);
        await ApiAssert.SuccessAsync(update);
        Assert.Equal("renamed", Row(await ListAsync(guest), second)!.Value.GetProperty("title").GetString());

        // Join: the meeting turns active and counts the joiner, for the joiner and for everyone else.
        var guestParticipant = await guest.JoinIdAsync(second);
        var row = Row(await ListAsync(guest), second)!.Value;
        Assert.Equal("active", row.GetProperty("status").GetString());
        Assert.Equal(1, row.GetProperty("participant_count").GetInt32());
        await other.JoinIdAsync(second);
        Assert.Equal(2, Row(await ListAsync(host), second)!.Value.GetProperty("participant_count").GetInt32());

        // Role change and leave: the count follows who is present.
        await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{second}/participants/{guestParticipant}/role", new { role = "audience" }));
        Assert.Equal(2, Row(await ListAsync(host), second)!.Value.GetProperty("participant_count").GetInt32());
        await ApiAssert.SuccessAsync(await other.PostAsync($"api/v1/meetings/{second}/leave"));
        Assert.Equal(1, Row(await ListAsync(other), second)!.Value.GetProperty("participant_count").GetInt32());

        // Kick: the kicked one no longer counts.
        await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{second}/participants/{guestParticipant}/kick"));
        Assert.Equal(0, Row(await ListAsync(host), second)!.Value.GetProperty("participant_count").GetInt32());

        // End: ended at once, and no longer among the active ones.
        await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{second}/end"));
        Assert.Equal("ended", Row(await ListAsync(host), second)!.Value.GetProperty("status").GetString());
        Assert.Null(Row(await ListAsync(host, "&status=active"), second));

        // Delete: gone from the list and from the total.
        await ApiAssert.SuccessAsync(await host.Client.DeleteAsync($"api/v1/meetings/{second}").WaitAsync(MeetingKit.Timeout));
        listed = await ListAsync(host);
        Assert.Null(Row(listed, second));
        Assert.Equal(2, listed.GetProperty("total").GetInt64());
        Assert.NotNull(Row(listed, first));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task PagesAndTotalsStayRightWhenEarlierPagesWereListedBeforeAWrite(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store, LongLivedCache);
        var host = await server.UserAsync();
        // Starting 60, 61, ... 64 minutes from now: the list shows them newest start first.
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var minutes = 60 + i;
            ids.Add(await host.CreateMeetingIdAsync(b => { b["is_public"] = true; b["start_time"] = MeetingKit.FutureTime(minutes); }));
        }
        var before = await ApiAssert.SuccessAsync(await host.Client.GetAsync("api/v1/meetings?page=2&page_size=2").WaitAsync(MeetingKit.Timeout));
        Assert.Equal(5, before.GetProperty("total").GetInt64());
        Assert.Equal([ids[2], ids[1]], Ids(before));

        // A meeting starting later than all others goes first: page 2 shifts by one and the total grows.
        var latest = await host.CreateMeetingIdAsync(b => { b["is_public"] = true; b["start_time"] = MeetingKit.FutureTime(600); });
        var first = await ApiAssert.SuccessAsync(await host.Client.GetAsync("api/v1/meetings?page=1&page_size=2").WaitAsync(MeetingKit.Timeout));
        Assert.Equal([latest, ids[4]], Ids(first));
        var after = await ApiAssert.SuccessAsync(await host.Client.GetAsync("api/v1/meetings?page=2&page_size=2").WaitAsync(MeetingKit.Timeout));
        Assert.Equal(6, after.GetProperty("total").GetInt64());
        Assert.Equal([ids[3], ids[2]], Ids(after));
    }

    private static long[] Ids(JsonElement page) =>
        page.GetProperty("meetings").EnumerateArray().Select(m => m.GetProperty("meeting_id").GetInt64()).ToArray();

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AMeetingWrittenByAnotherNodeShowsWithinTheCacheLifetime(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var host = await server.UserAsync();
        await host.CreateMeetingIdAsync(b => b["is_public"] = true);
        Assert.Equal(1, (await ListAsync(host)).GetProperty("total").GetInt64());

        var written = await InsertFromAnotherNodeAsync(server, host.Id, "from another node");
        var since = DateTime.UtcNow;
        var lifetime = server.Service<MeetingListCache>().Lifetime;
        Assert.Equal(TimeSpan.FromSeconds(1), lifetime);

        await MeetingKit.EventuallyAsync(async () => Row(await ListAsync(host), written) is not null,
            lifetime + TimeSpan.FromSeconds(5), "the other node's meeting in the list");
        // Not asserted tighter than the lifetime plus the machine's scheduling slack.
        Assert.True(DateTime.UtcNow - since < lifetime + TimeSpan.FromSeconds(5));
        Assert.Equal(2, (await ListAsync(host)).GetProperty("total").GetInt64());
    }
}
