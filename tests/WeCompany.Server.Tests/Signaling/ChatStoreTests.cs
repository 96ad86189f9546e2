using WeCompany.Server.Signaling;
using WeCompany.Server.Tests.Infrastructure;

namespace WeCompany.Server.Tests.Signaling;

public sealed class ChatStoreTests
{
    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ConcurrentWritersGetDistinctConsecutiveSequenceNumbersPerMeeting(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var chat = server.Service<ChatStore>();

        var writes = Enumerable.Range(0, 20).Select(i => chat.InsertAsync(i % 2 == 0 ? 100 : 200, $"m{i}", 1, "one", null, $"text {i}", 1_700_000_000_000 + i, CancellationToken.None));
        var records = await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), records.Where(r => r.MeetingId == 100).Select(r => r.Seq).Order());
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), records.Where(r => r.MeetingId == 200).Select(r => r.Seq).Order());
        Assert.Equal(10, await chat.LastSeqAsync(100, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task HistoryShowsPublicMessagesAndOnlyTheViewersPrivateOnes(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var chat = server.Service<ChatStore>();
        await chat.InsertAsync(100, "a", 1, "one", null, "to all", 1, CancellationToken.None);
        await chat.InsertAsync(100, "b", 1, "one", 2, "to two", 2, CancellationToken.None);
        await chat.InsertAsync(100, "c", 3, "three", 1, "to one", 3, CancellationToken.None);

        var forTwo = await chat.ListAfterAsync(100, 2, 0, 10, CancellationToken.None);
        var forOneAfterFirst = await chat.ListAfterAsync(100, 1, 1, 10, CancellationToken.None);

        Assert.Equal(["to all", "to two"], forTwo.Select(r => r.Content));
        Assert.Equal(["to two", "to one"], forOneAfterFirst.Select(r => r.Content));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ABatchIsNumberedAfterWhatIsStoredInListOrder(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var chat = server.Service<ChatStore>();
        await chat.InsertAsync(100, "first", 1, "one", null, "first", 1, CancellationToken.None);

        var batch = await chat.InsertBatchAsync(100, [
            new ChatRecord { MessageId = "b1", FromUserId = 2, Username = "two", Content = "b1" },
            new ChatRecord { MessageId = "b2", FromUserId = 3, Username = "three", ToUserId = 2, Content = "b2" },
        ], 5, CancellationToken.None);

        Assert.Equal([2L, 3L], batch.Select(r => r.Seq));
        var all = await chat.ListAfterAsync(100, 2, 0, 10, CancellationToken.None);
        Assert.Equal(["first", "b1", "b2"], all.Select(r => r.Content));
        Assert.Equal(2, all[2].ToUserId);
    }
}
