using System.Collections.Concurrent;

namespace WeCompany.Server.Meetings;

/// <summary>
/// Remembers the <c>total</c> of a user's meeting list for a moment. Counting every visible meeting costs far more
/// than the page itself (it visits each public meeting), and the total only changes when a meeting is created,
/// edited, deleted, ended or joined: those writes on this node clear the table at once, and entries expire after
/// <see cref="Lifetime"/> so writes on other cluster nodes show up within that. Thread-safe and bounded.
/// </summary>
public sealed class MeetingListTotals(TimeProvider time)
{
    /// <summary>How stale a total may be after a write on another node.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);

    // 50k users listing at once is far past one node's load; past it the table starts afresh.
    private const int MaxEntries = 50_000;
    private readonly ConcurrentDictionary<(long UserId, string Status), (long Total, long Generation, DateTimeOffset Expires)> _totals = new();
    private long _generation;

    public bool TryGet(long userId, string? status, out long total)
    {
        if (_totals.TryGetValue((userId, status ?? ""), out var entry) && entry.Generation == Volatile.Read(ref _generation)
            && entry.Expires > time.GetUtcNow())
        {
            total = entry.Total;
            return true;
        }
        total = 0;
        return false;
    }

    /// <summary>The generation to pass to <see cref="Set"/>: read it before counting, so a write during the count wins.</summary>
    public long Generation => Volatile.Read(ref _generation);

    public void Set(long userId, string? status, long total, long generation)
    {
        if (_totals.Count >= MaxEntries)
        {
            _totals.Clear();
        }
        _totals[(userId, status ?? "")] = (total, generation, time.GetUtcNow() + Lifetime);
    }

    /// <summary>Called after every write that can change who sees which meeting or a meeting's status.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);
}
