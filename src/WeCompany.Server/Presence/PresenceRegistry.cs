using System.Collections.Concurrent;

namespace WeCompany.Server.Presence;

/// <summary>How a user is connected.</summary>
public enum PresenceChannel
{
    Tcp,
    WebSocket,
}

/// <summary>One live connection of a user.</summary>
public sealed record PresenceEntry(long UserId, PresenceChannel Channel, string ConnectionId, DateTimeOffset Since, string NodeId);

/// <summary>
/// Who is online, over TCP and WebSocket alike: one registry so an administrator sees everyone. A user may
/// have several connections (a TCP client and a meeting tab). Thread-safe. In a cluster each node publishes
/// its changes on the bus; this registry holds this node's connections.
/// </summary>
public sealed class PresenceRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, PresenceEntry> _connections = new(StringComparer.Ordinal);

    public string NodeId { get; set; } = "local";

    /// <summary>Raised after a connection is registered (true) or closed (false); the cluster replicates it. Must not throw.</summary>
    public event Action<PresenceEntry, bool>? Changed;

    /// <summary>The cluster-wide view (every live node's connections); null outside a cluster.</summary>
    public Func<CancellationToken, Task<IReadOnlyList<PresenceEntry>>>? ClusterView { get; set; }

    /// <summary>Everyone online: across the cluster when there is one, else this node.</summary>
    public Task<IReadOnlyList<PresenceEntry>> EveryoneAsync(CancellationToken cancellationToken) =>
        ClusterView is { } view ? view(cancellationToken) : Task.FromResult(Snapshot());

    /// <summary>Records a connection; dispose the result when it closes.</summary>
    public IDisposable Register(long userId, PresenceChannel channel, string connectionId)
    {
        var entry = new PresenceEntry(userId, channel, connectionId, time.GetUtcNow(), NodeId);
        _connections[connectionId] = entry;
        Changed?.Invoke(entry, true);
        return new Registration(this, connectionId);
    }

    public bool IsOnline(long userId) => _connections.Values.Any(e => e.UserId == userId);

    public IReadOnlyList<PresenceEntry> Snapshot() => _connections.Values.OrderBy(e => e.UserId).ThenBy(e => e.Since).ToList();

    public int Count => _connections.Count;

    private sealed class Registration(PresenceRegistry registry, string connectionId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                if (registry._connections.TryRemove(connectionId, out var entry))
                {
                    registry.Changed?.Invoke(entry, false);
                }
            }
        }
    }
}
