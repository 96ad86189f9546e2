using System.Diagnostics;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Calls;
using WeCompany.Server.Signaling;

namespace WeCompany.Server.Cluster;

/// <summary>
/// The node's life in the cluster. Starting: plugs the TCP router in before any listener opens, then (after the
/// migrations) starts the bus (every handler is registered by then: the services that own them are this one's
/// dependencies), writes the first heartbeat and loads presence. Running: a heartbeat every
/// <see cref="ClusterOptions.HeartbeatSeconds"/> that also expires dead nodes and prunes stored messages.
/// Stopping (SIGTERM), before any other service stops: the drain — see docs/cluster.md.
/// </summary>
internal sealed class ClusterService(
    IOptions<ClusterOptions> options, ClusterBus bus, NodeRegistry nodes, ClusterPresence presence, ClusterTcpRouter router,
    ClusterRooms rooms, TcpServer tcp, SignalingHub hub, DrainState drain, ILogger<ClusterService> logger) : IHostedLifecycleService, IDisposable
{
    /// <summary>The notice's words; clients read the code, people the text.</summary>
    internal const string DrainMessage = "node_draining: this node is shutting down; reconnect (another node takes over).";

    /// <summary>WebSocket close status 1012, service restart (RFC 6455 §7.4.1 via the IANA registry).</summary>
    internal const int ServiceRestart = 1012;

    private readonly ClusterOptions _options = options.Value;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private volatile bool _draining;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        router.Attach();
        return Task.CompletedTask;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await bus.StartAsync(cancellationToken);
        bus.Reconnected += covered => _ = ReloadQuietlyAsync(reconcileRooms: !covered);
        _loops.Add(presence.RunWriterAsync(_stopping.Token));
        _loops.Add(rooms.RunAsync(_stopping.Token));
        await BeatAsync(cancellationToken);
        ClusterLog.NodeStarted(logger, nodes.NodeId);
        _loops.Add(HeartbeatLoopAsync(_stopping.Token));
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The drain: runs before any service's StopAsync, while Kestrel and the TCP server still serve.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        _draining = true;
        drain.Begin();
        tcp.StopAccepting();
        try
        {
            await nodes.BeatAsync(draining: true, cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or IOException or OperationCanceledException)
        {
            ClusterLog.HeartbeatFailed(logger, nodes.NodeId, e);
        }
        var sockets = hub.CloseAllForDrain(ErrorCodes.NodeDraining, DrainMessage, ServiceRestart, "service restart");
        var connections = tcp.CloseAll(ErrorCodes.NodeDraining, DrainMessage);
        ClusterLog.Draining(logger, nodes.NodeId, sockets, connections);
        var deadline = TimeSpan.FromSeconds(_options.DrainTimeoutSeconds);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (hub.OpenConnections + tcp.ConnectionCount > 0 && clock.Elapsed < deadline && await poll.WaitForNextTickAsync(cancellationToken))
            {
                // Sockets that joined no room yet (and so got no notice) are closed by the services' own stop.
            }
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out first.
        }
        ClusterLog.Drained(logger, nodes.NodeId, clock.ElapsedMilliseconds, hub.OpenConnections + tcp.ConnectionCount);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await bus.StopAsync(TimeSpan.FromSeconds(2));
        try
        {
            await nodes.RemoveSelfAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or IOException or OperationCanceledException)
        {
            // The others expire this node after NodeTimeoutSeconds.
            ClusterLog.HeartbeatFailed(logger, nodes.NodeId, e);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.HeartbeatSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await BeatAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task BeatAsync(CancellationToken ct)
    {
        try
        {
            if (await nodes.BeatAsync(_draining, ct))
            {
                // First beat, or the others took this node for dead and deleted its presence: write it all again.
                presence.RequestRewrite();
            }
            await nodes.ExpireDeadAsync(ct);
            await bus.PruneAsync(ct);
            await presence.ReloadAsync(ct);
            var alive = (await nodes.AliveAsync(ct)).Select(n => n.NodeId).ToHashSet(StringComparer.Ordinal);
            router.EndCallsOfGoneNodes(alive);
            router.EndCallsWithVanishedParties();
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or IOException or InvalidOperationException)
        {
            ClusterLog.HeartbeatFailed(logger, nodes.NodeId, e);
        }
    }

    /// <summary>
    /// After the bus listener reconnected: presence is read again; when the gap outlasted the bus's log, moderation
    /// may have been missed too, so every local room is checked against the meetings store.
    /// </summary>
    private async Task ReloadQuietlyAsync(bool reconcileRooms)
    {
        try
        {
            await presence.ReloadAsync(_stopping.Token);
            if (reconcileRooms)
            {
                await hub.ReconcileRoomsAsync(_stopping.Token);
            }
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or IOException or InvalidOperationException or OperationCanceledException)
        {
            ClusterLog.HeartbeatFailed(logger, nodes.NodeId, e);
        }
    }
}
