using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Meetings;

/// <summary>One meeting of a list page: the columns the list shows, nothing more.</summary>
public sealed class MeetingListRow
{
    public long Id { get; init; }
    public string Code { get; init; } = "";
    public string Title { get; init; } = "";
    public string HostName { get; init; } = "";
    public long StartTime { get; init; }
    public string Status { get; init; } = MeetingStatuses.Scheduled;
    public int PresentCount { get; init; }
}

/// <summary>
/// Remembers users' meeting list pages and totals for a moment. Reading a page costs a query that prepares, reads
/// four indexes and maps rows, many times the cost of the rest of the request; the answer only changes when a
/// meeting is created, edited, ended or deleted, or someone joins, leaves, is kicked or changes role. Every such
/// write on this node calls <see cref="Invalidate"/> before it answers, so its author (and everyone on this node)
/// sees the change on the next read; writes on other cluster nodes show within <see cref="Lifetime"/>
/// (<see cref="MeetingsOptions.ListCacheMilliseconds"/>), when the
/// entry expires, and so does a host's new display name (a profile write, which meetings do not hear of).
/// Thread-safe and bounded.
/// </summary>
public sealed class MeetingListCache(TimeProvider time, IOptions<MeetingsOptions> options)
{
    /// <summary>How stale a page or total may be after a write on another node.</summary>
    public TimeSpan Lifetime { get; } = TimeSpan.FromMilliseconds(options.Value.ListCacheMilliseconds);

    // 50k (user, page) entries is far past one node's load of listing users; past it the table starts afresh.
    private const int MaxEntries = 50_000;
    private readonly ConcurrentDictionary<(long UserId, string Status), Entry<long>> _totals = new();
    private readonly ConcurrentDictionary<(long UserId, string Status, int Offset, int Limit), Entry<Page>> _pages = new();
    private readonly ConcurrentDictionary<(long UserId, string Status, int Offset, int Limit, long Generation), Task<Page>> _reading = new();
    private long _generation;

    /// <summary>A page of the list as answered, with the list's total.</summary>
    public sealed record Page(IReadOnlyList<MeetingSummary> Items, long Total);

    private readonly record struct Entry<T>(T Value, long Generation, DateTimeOffset Expires);

    /// <summary>The generation to pass to the setters: read it before querying, so a write during the query wins.</summary>
    public long Generation => Volatile.Read(ref _generation);

    public bool TryGetTotal(long userId, string? status, out long total) => TryGet(_totals, (userId, status ?? ""), out total);

    public void SetTotal(long userId, string? status, long total, long generation) => Set(_totals, (userId, status ?? ""), total, generation);

    public bool TryGetPage(long userId, string? status, int offset, int limit, out Page? page) =>
        TryGet(_pages, (userId, status ?? "", offset, limit), out page);

    /// <summary>
    /// Reads a page that is not in memory with <paramref name="read"/> and remembers it. Requests for the same page that
    /// arrive while it is being read (in the same generation) wait for that read instead of each querying the store:
    /// when a popular page expires, the store sees one query, not one per waiting request.
    /// </summary>
    public async Task<Page> LoadPageAsync(long userId, string? status, int offset, int limit, Func<Task<Page>> read, CancellationToken ct)
    {
        // The generation is read before the store: a write that lands during the read makes the result unremembered,
        // and requests arriving after that write start a read of their own.
        var generation = Generation;
        var key = (userId, status ?? "", offset, limit, generation);
        var mine = new TaskCompletionSource<Page>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = _reading.GetOrAdd(key, mine.Task);
        if (reading != mine.Task)
        {
            return await reading.WaitAsync(ct);
        }
        try
        {
            var page = await read();
            Set(_pages, (userId, status ?? "", offset, limit), page, generation);
            mine.SetResult(page);
            return page;
        }
        catch (Exception e)
        {
            mine.SetException(e);
            // Observed here so that a failed read nobody else waited for is not reported as unobserved.
            _ = mine.Task.Exception;
            throw;
        }
        finally
        {
            _reading.TryRemove(KeyValuePair.Create(key, mine.Task));
        }
    }

    /// <summary>Called after every write that can change who sees which meeting, a meeting's fields, status or count.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    private bool TryGet<TKey, T>(ConcurrentDictionary<TKey, Entry<T>> table, TKey key, out T? value) where TKey : notnull
    {
        if (table.TryGetValue(key, out var entry) && entry.Generation == Generation && entry.Expires > time.GetUtcNow())
        {
            value = entry.Value;
            return true;
        }
        value = default;
        return false;
    }

    private void Set<TKey, T>(ConcurrentDictionary<TKey, Entry<T>> table, TKey key, T value, long generation) where TKey : notnull
    {
        if (table.Count >= MaxEntries)
        {
            table.Clear();
        }
        table[key] = new Entry<T>(value, generation, time.GetUtcNow() + Lifetime);
    }
}
