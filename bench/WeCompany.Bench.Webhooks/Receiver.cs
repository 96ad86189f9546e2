using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace WeCompany.Bench.Webhooks;

/// <summary>
/// The webhook receiver: a minimal Kestrel app on 127.0.0.1 that takes POST /hook/{name}, notes the arrival time
/// (when the handler starts) and the body's id, type and created_at in the sink <c>name</c>, and answers 200 at once.
/// Each endpoint the bench registers gets its own name, so a phase counts only its own events.
/// </summary>
internal sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Sink> _sinks = new(StringComparer.Ordinal);

    private Receiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/hook/{name}", async (string name, HttpContext context) =>
        {
            var arrival = DateTime.UtcNow;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            deadline.CancelAfter(TimeSpan.FromSeconds(10));
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: deadline.Token);
            var root = body.RootElement;
            Get(name).Add(root.GetProperty("id").GetString()!, root.GetProperty("type").GetString()!,
                root.GetProperty("created_at").GetDateTimeOffset(), arrival);
            return Results.Ok();
        });
    }

    /// <summary>http://127.0.0.1:port</summary>
    public string Address { get; private set; } = "";

    public static async Task<Receiver> StartAsync()
    {
        var receiver = new Receiver();
        using var start = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await receiver._app.StartAsync(start.Token);
        receiver.Address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    public string Url(string name) => Address + "/hook/" + name;

    public Sink Get(string name) => _sinks.GetOrAdd(name, _ => new Sink());

    /// <summary>Polls until the sink holds <paramref name="count"/> distinct events or <paramref name="limit"/> passes; answers the wait.</summary>
    public async Task<TimeSpan?> WaitForAsync(string name, int count, TimeSpan limit)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var sink = Get(name);
        while (sink.Count < count)
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > limit)
            {
                return null;
            }
            await Task.Delay(20);
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>What one endpoint received: distinct events (by id) with their arrival and created_at, and duplicates.</summary>
internal sealed class Sink
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly List<(DateTime Arrival, DateTimeOffset CreatedAt, string Type)> _events = [];
    private int _duplicates;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _events.Count;
            }
        }
    }

    public int Duplicates
    {
        get
        {
            lock (_lock)
            {
                return _duplicates;
            }
        }
    }

    public void Add(string id, string type, DateTimeOffset createdAt, DateTime arrival)
    {
        lock (_lock)
        {
            if (_ids.Add(id))
            {
                _events.Add((arrival, createdAt, type));
            }
            else
            {
                _duplicates++;
            }
        }
    }

    /// <summary>Events of <paramref name="type"/>: arrival − created_at in milliseconds, and the arrival time.</summary>
    public List<(double LatencyMs, DateTime Arrival)> Latencies(string type)
    {
        lock (_lock)
        {
            return _events.Where(e => e.Type == type)
                .Select(e => ((e.Arrival - e.CreatedAt.UtcDateTime).TotalMilliseconds, e.Arrival)).ToList();
        }
    }

    /// <summary>How many distinct events arrived before <paramref name="until"/> (UTC).</summary>
    public int CountBefore(DateTime until)
    {
        lock (_lock)
        {
            return _events.Count(e => e.Arrival <= until);
        }
    }
}
