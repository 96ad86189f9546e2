using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WeCompany.Server.Cluster;
using WeCompany.Server.Diagnostics;

namespace WeCompany.Server.Webhooks;

/// <summary>
/// The delivery worker, one per node. Its loop (one task) runs rounds: each round is one store transaction that
/// records the outcomes of finished requests and leases due deliveries (one commit per round, not per event: the
/// store's commits are what a busy server runs out of first). Each endpoint has a lane here: up to
/// MaxConcurrentPerEndpoint senders, and leased rows waiting for a sender (up to as many again), so a sender that
/// finishes takes the next row at once instead of waiting for the next round. A slow or dead endpoint only ever holds
/// its own lane, so it delays no other endpoint and no request of the server. In a cluster every node runs one: leases
/// make each delivery go out from one node, and a lease left by a node that died expires and is taken over.
/// </summary>
public sealed partial class WebhookDispatcher : BackgroundService
{
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan BacklogInterval = TimeSpan.FromSeconds(5);

    private readonly WebhookStore _store;
    private readonly WebhookOutbox _outbox;
    private readonly WebhookSender _sender;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly string _node;
    // Leased rows not yet recorded, per endpoint (waiting, being sent, or answered and waiting for the next round).
    private readonly ConcurrentDictionary<long, int> _inFlight = new();
    private readonly ConcurrentDictionary<long, Lane> _lanes = new();
    // Bounded by the leased rows: a send adds one outcome, and the next round removes it.
    private readonly ConcurrentQueue<(long EndpointId, DeliveryOutcome Outcome)> _outcomes = new();
    private readonly Counter _delivered;
    private readonly Counter _failedAttempts;
    private readonly Counter _gaveUp;
    private readonly Counter _dispatchErrors;
    private int _sending;
    private long _backlog;

    public WebhookDispatcher(WebhookStore store, WebhookOutbox outbox, WebhookSender sender, IOptions<WebhookOptions> options,
        IOptions<ClusterOptions> cluster, MetricsRegistry metrics, TimeProvider time, ILogger<WebhookDispatcher> logger)
    {
        _store = store;
        _outbox = outbox;
        _sender = sender;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _node = cluster.Value.NodeId;
        _delivered = metrics.Counter("wecompany_webhook_deliveries_total", "Webhook events delivered (answered 2xx).");
        _failedAttempts = metrics.Counter("wecompany_webhook_failed_attempts_total", "Webhook requests that failed and will be retried or given up.");
        _gaveUp = metrics.Counter("wecompany_webhook_deliveries_failed_total", "Webhook deliveries given up after the last attempt.");
        _dispatchErrors = metrics.Counter("wecompany_webhook_dispatch_errors_total", "Delivery worker rounds that failed on the store (retried).");
        metrics.Gauge("wecompany_webhook_requests_in_flight", "Webhook requests this node is sending now.", () => Volatile.Read(ref _sending));
        metrics.Gauge("wecompany_webhook_backlog", "Webhook deliveries pending (waiting, sending or retrying), counted every 5 s.", () => Interlocked.Read(ref _backlog));
    }

    private TimeSpan Lease => TimeSpan.FromSeconds(_options.RequestTimeoutSeconds * 2 + 30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.DeliveryEnabled)
        {
            return;
        }
        // A restarted node has nothing in flight: what it leased before it died may go out again at once.
        await RetryStoreAsync(ct => _store.ReleaseStaleLeasesAtStartAsync(_node, ct), stoppingToken);
        var nextPrune = _time.GetUtcNow();
        var nextCount = nextPrune;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(stoppingToken);
                if (_time.GetUtcNow() >= nextPrune)
                {
                    nextPrune = _time.GetUtcNow() + PruneInterval;
                    await _store.PruneAsync((_time.GetUtcNow() - TimeSpan.FromDays(_options.RetentionDays)).ToUnixTimeMilliseconds(), stoppingToken);
                    // Twice a lease after the delete: no row of the endpoint can still be leased or being recorded.
                    await _store.PurgeDeletedAsync((_time.GetUtcNow() - 2 * Lease).ToUnixTimeMilliseconds(), stoppingToken);
                }
                if (_time.GetUtcNow() >= nextCount)
                {
                    nextCount = _time.GetUtcNow() + BacklogInterval;
                    Interlocked.Exchange(ref _backlog, await _store.PendingCountAsync(stoppingToken));
                }
            }
            catch (Exception e) when (IsStoreFault(e) && !stoppingToken.IsCancellationRequested)
            {
                _dispatchErrors.Increment();
                Log.DispatchFailed(_logger, e);
            }
            if (await _outbox.WaitAsync(TimeSpan.FromSeconds(_options.PollSeconds), stoppingToken) && _options.GatherMilliseconds > 0)
            {
                // Woken by a commit or a finished send: let the ones right behind it join this round.
                await Task.Delay(TimeSpan.FromMilliseconds(_options.GatherMilliseconds), stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Sends still running end with the host's token; hand their rows back so another node need not wait for the lease.
        var until = DateTime.UtcNow.AddSeconds(5);
        while (Volatile.Read(ref _sending) > 0 && DateTime.UtcNow < until && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(20, cancellationToken);
        }
        try
        {
            await WriteOutcomesAsync(cancellationToken);
            await _store.ReleaseLeasesAsync(_node, cancellationToken);
        }
        catch (Exception e) when (IsStoreFault(e))
        {
            Log.DispatchFailed(_logger, e);
        }
    }

    /// <summary>
    /// Writes the outcomes that came in and leases what is due, in one store transaction, then starts the sends. When
    /// the store fails the outcomes stay queued (their slots held) for the next round.
    /// </summary>
    private async Task RoundAsync(CancellationToken ct)
    {
        var batch = DrainOutcomes();
        var now = _time.GetUtcNow();
        if (batch.Count == 0 && !await _store.AnyDueAsync(now.ToUnixTimeMilliseconds(), ct))
        {
            return;
        }
        IReadOnlyList<(WebhookEndpointRecord Endpoint, IReadOnlyList<ClaimedDelivery> Claimed)> leased;
        try
        {
            // Slots of the outcomes being written are free again once the round commits.
            var finishing = batch.CountBy(b => b.EndpointId).ToDictionary(p => p.Key, p => p.Value);
            leased = await _store.RoundAsync(batch.ConvertAll(b => b.Outcome), _node, now.ToUnixTimeMilliseconds(), (now + Lease).ToUnixTimeMilliseconds(),
                id => MaxLeasedPerEndpoint - _inFlight.GetValueOrDefault(id) + finishing.GetValueOrDefault(id), ct);
        }
        catch
        {
            foreach (var item in batch)
            {
                _outcomes.Enqueue(item);
            }
            throw;
        }
        foreach (var (endpointId, outcome) in batch)
        {
            (outcome.Delivered ? _delivered : _failedAttempts).Increment();
            if (!outcome.Delivered && outcome.NextAttemptAt is null)
            {
                _gaveUp.Increment();
            }
            Release(endpointId);
        }
        foreach (var (endpoint, claimed) in leased)
        {
            if (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var url))
            {
                continue;
            }
            var previous = endpoint.PreviousSecret is not null && endpoint.PreviousSecretUntil > now.ToUnixTimeMilliseconds() ? endpoint.PreviousSecret : null;
            var target = new WebhookTarget(endpoint.Id, url, endpoint.Secret, previous);
            _inFlight.AddOrUpdate(endpoint.Id, claimed.Count, (_, n) => n + claimed.Count);
            var lane = _lanes.GetOrAdd(endpoint.Id, static _ => new Lane());
            var senders = 0;
            lock (lane)
            {
                foreach (var delivery in claimed)
                {
                    lane.Ready.Enqueue((target, delivery));
                }
                while (lane.Senders < _options.MaxConcurrentPerEndpoint && senders < lane.Ready.Count)
                {
                    lane.Senders++;
                    senders++;
                }
            }
            for (var i = 0; i < senders; i++)
            {
                _ = SendLaneAsync(lane, ct);
            }
        }
    }

    // Leased rows per endpoint and node: a sender for each slot and one waiting row behind it.
    private int MaxLeasedPerEndpoint => 2 * _options.MaxConcurrentPerEndpoint;

    /// <summary>An endpoint's rows leased to this node and waiting for a sender, and how many senders run. Guarded by its own lock.</summary>
    private sealed class Lane
    {
        public readonly Queue<(WebhookTarget Target, ClaimedDelivery Delivery)> Ready = new();
        public int Senders;
    }

    /// <summary>One sender of a lane: sends waiting rows one after another until none is left, then ends.</summary>
    private async Task SendLaneAsync(Lane lane, CancellationToken ct)
    {
        await Task.Yield();
        while (true)
        {
            (WebhookTarget Target, ClaimedDelivery Delivery) next;
            lock (lane)
            {
                if (ct.IsCancellationRequested || !lane.Ready.TryDequeue(out next))
                {
                    lane.Senders--;
                    return;
                }
            }
            Interlocked.Increment(ref _sending);
            try
            {
                await DeliverAsync(next.Target, next.Delivery, ct);
            }
            finally
            {
                Interlocked.Decrement(ref _sending);
            }
        }
    }

    private async Task DeliverAsync(WebhookTarget target, ClaimedDelivery delivery, CancellationToken ct)
    {
        var queued = false;
        try
        {
            var attempt = await _sender.SendAsync(target, delivery.EventId, delivery.Body, ct);
            _outcomes.Enqueue((target.EndpointId, Outcome(target, delivery, attempt)));
            queued = true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: StopAsync gives the lease back.
        }
        catch (Exception e)
        {
            Log.SendFailed(_logger, delivery.Id, e);
            _outcomes.Enqueue((target.EndpointId, Outcome(target, delivery, new WebhookAttempt(false, null, "internal error while sending", 0))));
            queued = true;
        }
        finally
        {
            if (!queued)
            {
                Release(target.EndpointId);
            }
            _outbox.Wake();
        }
    }

    private DeliveryOutcome Outcome(WebhookTarget target, ClaimedDelivery delivery, WebhookAttempt attempt)
    {
        if (attempt.Delivered)
        {
            return new DeliveryOutcome(delivery.Id, true, attempt.Status, null, attempt.LatencyMs, null);
        }
        var now = _time.GetUtcNow();
        long? next = delivery.Attempts >= _options.MaxAttempts ? null : (now + RetryDelay(delivery.Attempts)).ToUnixTimeMilliseconds();
        if (next is null)
        {
            Log.GaveUp(_logger, delivery.Id, target.EndpointId, delivery.Attempts, attempt.Error ?? "");
        }
        return new DeliveryOutcome(delivery.Id, false, attempt.Status, attempt.Error ?? "failed", attempt.LatencyMs, next);
    }

    /// <summary>Writes the outcomes still queued (at shutdown, after the last sends ended).</summary>
    private async Task WriteOutcomesAsync(CancellationToken ct)
    {
        var batch = DrainOutcomes();
        if (batch.Count > 0)
        {
            await _store.FinishAsync(batch.ConvertAll(b => b.Outcome), _node, _time.GetUtcNow().ToUnixTimeMilliseconds(), ct);
            batch.ForEach(b => Release(b.EndpointId));
        }
    }

    private List<(long EndpointId, DeliveryOutcome Outcome)> DrainOutcomes()
    {
        var batch = new List<(long EndpointId, DeliveryOutcome Outcome)>();
        while (_outcomes.TryDequeue(out var item))
        {
            batch.Add(item);
        }
        return batch;
    }

    private void Release(long endpointId) => _inFlight.AddOrUpdate(endpointId, 0, (_, n) => n - 1);

    /// <summary>
    /// The wait after failed attempt <paramref name="attempts"/> (1-based): RetryInitialSeconds doubled per attempt,
    /// capped at RetryMaxSeconds, then "equal jitter" (half fixed, half random) so that receivers that failed
    /// together are not retried together.
    /// </summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var exponent = Math.Min(attempts - 1, 40);
        var seconds = Math.Min(_options.RetryMaxSeconds, _options.RetryInitialSeconds * Math.Pow(2, exponent));
        return TimeSpan.FromSeconds(seconds / 2 + Random.Shared.NextDouble() * seconds / 2);
    }

    private async Task RetryStoreAsync(Func<CancellationToken, Task> action, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await action(ct);
                return;
            }
            catch (Exception e) when (IsStoreFault(e) && !ct.IsCancellationRequested)
            {
                Log.DispatchFailed(_logger, e);
                await Task.Delay(TimeSpan.FromSeconds(_options.PollSeconds), ct);
            }
        }
    }

    private static bool IsStoreFault(Exception e) => e is System.Data.Common.DbException or InvalidOperationException or TimeoutException;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Webhook delivery round failed on the store; retrying")]
        public static partial void DispatchFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Webhook delivery {DeliveryId}: sending failed unexpectedly; counted as a failed attempt")]
        public static partial void SendFailed(ILogger logger, long deliveryId, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "Webhook delivery {DeliveryId} to endpoint {EndpointId} failed for good after {Attempts} attempts: {Error}")]
        public static partial void GaveUp(ILogger logger, long deliveryId, long endpointId, int attempts, string error);
    }
}
