using System.Globalization;

namespace WeCompany.Server.Cluster;

/// <summary>
/// One message as the listener got it: its id in cluster_messages (0 from a node of the version before the bus
/// log, which sent bare JSON) and its JSON, null when the notification carried only "@id" (too large for NOTIFY).
/// </summary>
internal readonly record struct BusIncoming(long Id, string? Payload, bool Replayed)
{
    /// <summary>The JSON a publisher's statement puts in front of the envelope; see ClusterBus.PublishSql.</summary>
    internal const string IdPrefix = "{\"id\":";

    /// <summary>
    /// Reads a notification: "@id", "{"id":id,...envelope...}", or a bare envelope. Never throws (it runs on the
    /// listening connection's reading path): anything else is passed on whole, for the dispatcher to reject.
    /// </summary>
    public static BusIncoming Parse(string notification)
    {
        if (notification.StartsWith('@') && long.TryParse(notification.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var stored))
        {
            return new BusIncoming(stored, null, false);
        }
        if (notification.StartsWith(IdPrefix, StringComparison.Ordinal))
        {
            var digits = notification.AsSpan(IdPrefix.Length);
            var end = digits.IndexOf(',');
            if (end > 0 && long.TryParse(digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                // The whole text stays the payload: the envelope's reader ignores the "id" field.
                return new BusIncoming(id, notification, false);
            }
        }
        return new BusIncoming(0, notification, false);
    }
}

/// <summary>
/// The ids of the last <c>capacity</c> messages dispatched, oldest forgotten first. Identity ids are not in commit
/// order, so "seen" has to be a set, not a high-water mark. Used by the dispatcher only (one task).
/// </summary>
internal sealed class RecentIds(int capacity)
{
    private readonly HashSet<long> _set = new(capacity);
    private readonly Queue<long> _order = new(capacity);

    public bool Contains(long id) => _set.Contains(id);

    public void Add(long id)
    {
        if (!_set.Add(id))
        {
            return;
        }
        if (_order.Count == capacity)
        {
            _set.Remove(_order.Dequeue());
        }
        _order.Enqueue(id);
    }
}
