using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace WeCompany.Bench.Signaling;

internal sealed record FanOutResult(long Offered, double DeliveredPerSecond, double P50, double P99, int FrameBytes)
{
    /// <summary>Rooms per node that answered their sockets (X-WeCompany-Node), e.g. "node1 4 · node2 3".</summary>
    public string RoomsPerNode { get; init; } = "";

    /// <summary>CPU used in the measuring window (<see cref="CgroupCpu"/>), when asked for.</summary>
    public string Cpu { get; init; } = "";

    /// <summary>Sockets the server closed during the run (slow consumers shed by an overloaded node); they stop counting.</summary>
    public int ClosedByServer { get; init; }

    public string Row(int rooms, string target) => string.Create(CultureInfo.InvariantCulture,
        $"| {rooms} | {target} | {Offered} | {DeliveredPerSecond:F0} | {P50:F2} | {P99:F2} | {FrameBytes} |");
}

internal sealed record LatencyResult(double P50, double P99, int Count);

/// <summary>Drives either server over real sockets from this process.</summary>
internal sealed class LoadGenerator(Uri signalingBase, int baselinePort)
{
    private static readonly byte[] Marker = "t="u8.ToArray();
    private readonly HttpClient _http = new(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = TrustLoopback(signalingBase) } })
    {
        BaseAddress = signalingBase,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public LoadGenerator(int signalingPort, int baselinePort)
        : this(new Uri($"http://127.0.0.1:{signalingPort}"), baselinePort)
    {
    }

    // The cluster bench's gateway (nginx on loopback) has a self-signed certificate made for the run.
    private static System.Net.Security.RemoteCertificateValidationCallback TrustLoopback(Uri target) =>
        (_, _, _, errors) => errors == System.Net.Security.SslPolicyErrors.None || target.IsLoopback;
    private int _nextBareRoom;

    private BenchMeetings Meetings => field ??= new BenchMeetings(_http);

    /// <summary>Later runs use the users registered so far before registering more (<see cref="BenchMeetings.ReuseUsers"/>).</summary>
    public void ReuseUsers() => Meetings.ReuseUsers();

    private sealed class Client(ClientWebSocket socket, string node = "")
    {
        public ClientWebSocket Socket => socket;

        /// <summary>The node that accepted the socket (its X-WeCompany-Node header), behind a gateway.</summary>
        public string Node => node;

        public int FirstFrameBytes;
    }

    /// <summary>Opens <paramref name="seat"/>'s socket with its session token and sends join-room; returns at room-info.</summary>
    private async Task<Client> JoinSignalingAsync(BenchSeat seat)
    {
        var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = TrustLoopback(signalingBase);
        socket.Options.CollectHttpResponseDetails = true;
        var ws = signalingBase.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        await socket.ConnectAsync(new Uri($"{ws}://{signalingBase.Authority}/ws/signaling?token={Uri.EscapeDataString(seat.SessionToken)}&meeting_id={seat.MeetingId}&user_id={seat.UserId}&peer_id=p{seat.UserId}"), CancellationToken.None);
        var node = socket.HttpResponseHeaders?.TryGetValue("X-WeCompany-Node", out var values) == true ? string.Join(",", values) : "";
        socket.HttpResponseHeaders = null;
        await socket.SendAsync("{\"type\":4,\"payload\":{}}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256 * 1024];
        while (true)
        {
            var length = await ReceiveAsync(socket, buffer);
            if (length < 0)
            {
                throw new InvalidOperationException("closed before room-info");
            }
            if (buffer.AsSpan(0, length).IndexOf("\"type\":14"u8) >= 0)
            {
                return new Client(socket, node);
            }
        }
    }

    private static async Task<int> ReceiveAsync(ClientWebSocket socket, byte[] buffer)
    {
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return -1;
            }
            length += result.Count;
            if (result.EndOfMessage)
            {
                return length;
            }
        }
    }

    /// <summary>Rooms of <paramref name="size"/> sockets, each sending one chat per second; counts and times every delivery.</summary>
    public async Task<FanOutResult> FanOutAsync(bool useSignaling, int rooms, int size, int seconds, int frameBytes, CgroupCpu? cpu = null)
    {
        var clients = new List<Client>();
        for (var r = 0; r < rooms; r++)
        {
            if (useSignaling)
            {
                foreach (var seat in await Meetings.JoinManyAsync(await Meetings.CreateMeetingAsync(), size))
                {
                    clients.Add(await JoinSignalingAsync(seat));
                }
            }
            else
            {
                // Each run's bare rooms are new, as each run's meetings are.
                var room = Interlocked.Increment(ref _nextBareRoom);
                for (var i = 0; i < size; i++)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{baselinePort}/ws?room={room}"), CancellationToken.None);
                    clients.Add(new Client(socket));
                }
            }
        }
        var histogram = new LatencyHistogram();
        var measuring = 0;
        long delivered = 0;
        // Sockets the server closed before the run ended: past its capacity a node sheds slow consumers (4004).
        var closedByServer = 0;
        // Deliveries per node that holds the receiving socket (one counter per node, shared by its sockets).
        var byNode = clients.Select(c => c.Node).Distinct().ToDictionary(n => n, _ => new StrongBox<long>());
        using var stop = new CancellationTokenSource();
        var receivers = clients.Select(c => (Client: c, Count: byNode[c.Node])).Select(r => Task.Run(async () =>
        {
            var (c, nodeDelivered) = r;
            var buffer = new byte[256 * 1024];
            while (true)
            {
                int length;
                try
                {
                    length = await ReceiveAsync(c.Socket, buffer);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
                {
                    length = -1;
                }
                if (length < 0)
                {
                    if (!stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref closedByServer);
                    }
                    return;
                }
                var now = Stopwatch.GetTimestamp();
                var span = buffer.AsSpan(0, length);
                var at = span.IndexOf(Marker);
                if (at < 0 || !Utf8Parser.TryParse(span[(at + 2)..], out long sentAt, out _))
                {
                    continue;
                }
                if (c.FirstFrameBytes == 0)
                {
                    c.FirstFrameBytes = length;
                }
                if (Volatile.Read(ref measuring) == 1)
                {
                    Interlocked.Increment(ref delivered);
                    Interlocked.Increment(ref nodeDelivered.Value);
                    histogram.Record(Stopwatch.GetElapsedTime(sentAt, now));
                }
            }
        })).ToList();
        cpu?.Cap();
        var senders = clients.Select((c, index) => Task.Run(async () =>
        {
            // Spread the sockets' sends evenly over each second.
            await Task.Delay(TimeSpan.FromMilliseconds(1000.0 * index / clients.Count), stop.Token);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            do
            {
                var stamp = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture);
                byte[] message;
                if (useSignaling)
                {
                    message = Encoding.UTF8.GetBytes("{\"type\":8,\"payload\":{\"content\":\"t=" + stamp + ";hello from a bench participant, one chat per second\"}}");
                }
                else
                {
                    var text = "t=" + stamp + ";";
                    message = Encoding.UTF8.GetBytes(text.PadRight(Math.Max(frameBytes, text.Length), 'x'));
                }
                await c.Socket.SendAsync(message, WebSocketMessageType.Text, true, stop.Token);
            }
            while (await timer.WaitForNextTickAsync(stop.Token));
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(2));
        Volatile.Write(ref measuring, 1);
        cpu?.Start();
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref measuring, 0);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuUsed = cpu?.Stop() ?? "";
        await stop.CancelAsync();
        await Task.WhenAll(senders.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));
        cpu?.Lift();
        foreach (var c in clients)
        {
            if (useSignaling && c.Socket.State == WebSocketState.Open)
            {
                try
                {
                    await c.Socket.SendAsync("{\"type\":5,\"payload\":{}}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
                }
                catch (WebSocketException)
                {
                    // An overloaded server closes sockets that fall behind (slow consumers); counted already.
                }
            }
        }
        foreach (var c in clients)
        {
            c.Socket.Abort();
        }
        await Task.WhenAll(receivers);
        var frame = clients.Select(c => c.FirstFrameBytes).FirstOrDefault(b => b > 0);
        // Every socket of a room goes to one node (the gateway hashes meeting_id); the room's first socket names it.
        var perNode = clients.Where((_, index) => index % size == 0).GroupBy(c => c.Node).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{(g.Key.Length == 0 ? "?" : g.Key)} {g.Count()} ({byNode[g.Key].Value / elapsed:F0}/s)"));
        return new FanOutResult((long)rooms * size * size, delivered / elapsed, histogram.Percentile(0.5), histogram.Percentile(0.99), frame)
        {
            RoomsPerNode = string.Join(" · ", perNode),
            Cpu = cpuUsed,
            ClosedByServer = closedByServer,
        };
    }

    /// <summary>Connect → join-room → room-info for a newcomer to a room of <paramref name="size"/>, one at a time.</summary>
    public async Task<LatencyResult> JoinLatencyAsync(int size, int samples)
    {
        var meetingId = await Meetings.CreateMeetingAsync();
        var members = new List<Client>();
        foreach (var seat in await Meetings.JoinManyAsync(meetingId, size))
        {
            members.Add(await JoinSignalingAsync(seat));
        }
        // Newcomers register and join through REST before the clock starts: the figure is the socket's join alone.
        var newcomers = await Meetings.JoinManyAsync(meetingId, samples);
        var drains = members.Select(m => Task.Run(async () =>
        {
            var buffer = new byte[256 * 1024];
            try
            {
                while (await ReceiveAsync(m.Socket, buffer) >= 0)
                {
                }
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
            {
                // Aborted at the end.
            }
        })).ToList();
        var histogram = new LatencyHistogram();
        for (var s = 0; s < samples; s++)
        {
            var started = Stopwatch.GetTimestamp();
            var newcomer = await JoinSignalingAsync(newcomers[s]);
            histogram.Record(Stopwatch.GetElapsedTime(started));
            await newcomer.Socket.SendAsync("{\"type\":5,\"payload\":{}}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            newcomer.Socket.Abort();
        }
        foreach (var m in members)
        {
            m.Socket.Abort();
        }
        await Task.WhenAll(drains);
        return new LatencyResult(histogram.Percentile(0.5), histogram.Percentile(0.99), samples);
    }

    /// <summary>The signaling server's memory (after a full GC) before and after <paramref name="count"/> joined, idle sockets.</summary>
    // An idle member: reads what arrives, pings every 30 s; reports itself alive if the server kept it to the end.
    private static async Task IdleAsync(ClientWebSocket socket, Action keptOpen, CancellationToken stop)
    {
        await Task.Yield();
        var buffer = new byte[16 * 1024];
        var reading = ReceiveAsync(socket, buffer);
        var ping = Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(30_000)), stop);
        try
        {
            while (true)
            {
                var done = await Task.WhenAny(reading, ping);
                if (done == reading)
                {
                    if (await reading < 0)
                    {
                        return;
                    }
                    reading = ReceiveAsync(socket, buffer);
                    continue;
                }
                if (stop.IsCancellationRequested)
                {
                    keptOpen();
                    return;
                }
                await socket.SendAsync("{\"type\":11,\"payload\":{}}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
                ping = Task.Delay(TimeSpan.FromSeconds(30), stop);
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // Closed by the server.
        }
    }

    public async Task<string> IdleMemoryAsync(int serverPid, int count, int holdSeconds)
    {
        // Users, meetings and joins first, so the difference measured is the sockets alone.
        var seats = new List<BenchSeat>();
        for (var i = 0; i < count; i += 100)
        {
            seats.AddRange(await Meetings.JoinManyAsync(await Meetings.CreateMeetingAsync(), Math.Min(100, count - i)));
        }
        var before = await _http.GetFromJsonAsync<JsonElement>(new Uri("/bench/memory", UriKind.Relative));
        // Sockets open a few at a time: one by one, 20,000 joins would take minutes of round trips. Each socket then
        // reads what reaches it (the user-joined of later members of its room) and pings every 30 s from a random
        // start, as an idle client does, from the moment it joined; the hold (counted once all have joined)
        // outlasts the server's 60 s silence limit when it is long enough.
        using var stop = new CancellationTokenSource();
        var alive = 0;
        var clients = new Client[seats.Count];
        var loops = new Task[seats.Count];
        await Parallel.ForAsync(0, seats.Count, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            clients[i] = await JoinSignalingAsync(seats[i]);
            loops[i] = IdleAsync(clients[i].Socket, () => Interlocked.Increment(ref alive), stop.Token);
        });
        stop.CancelAfter(TimeSpan.FromSeconds(holdSeconds));
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(holdSeconds, 10)));
        var after = await _http.GetFromJsonAsync<JsonElement>(new Uri("/bench/memory", UriKind.Relative));
        var metrics = await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var open = System.Text.RegularExpressions.Regex.Match(metrics, @"signaling_connections (\d+)").Groups[1].Value;
        await Task.WhenAll(loops);
        foreach (var c in clients)
        {
            c.Socket.Abort();
        }
        var rss = after.GetProperty("rss").GetInt64() - before.GetProperty("rss").GetInt64();
        var managed = after.GetProperty("managed").GetInt64() - before.GetProperty("managed").GetInt64();
        var total = after.GetProperty("rss").GetInt64();
        return string.Create(CultureInfo.InvariantCulture,
            $"idle joined sockets: {count} (rooms of 100, server pid {serverPid}): RSS +{rss / 1048576.0:F1} MiB = {rss / 1024.0 / count:F1} KiB per connection (server RSS {total / 1048576.0:F0} MiB in all, {open} sockets open when measured); managed heap +{managed / 1024.0 / count:F1} KiB per connection; {alive} of {count} still open after {holdSeconds} s of 30 s pings; 8 GiB holds ≈ {8L * 1024 * 1024 * 1024 / Math.Max(1, rss / count):N0} at this rate");
    }
}

/// <summary>Latencies in 10 µs buckets up to 2 s (the last bucket holds the rest). Thread-safe.</summary>
internal sealed class LatencyHistogram
{
    private readonly long[] _buckets = new long[200_001];
    private long _count;

    public void Record(TimeSpan latency)
    {
        var index = (int)Math.Min(_buckets.Length - 1, Math.Max(0, latency.Ticks / 100));
        Interlocked.Increment(ref _buckets[index]);
        Interlocked.Increment(ref _count);
    }

    /// <summary>Milliseconds.</summary>
    public double Percentile(double p)
    {
        var total = Interlocked.Read(ref _count);
        if (total == 0)
        {
            return double.NaN;
        }
        var rank = (long)Math.Ceiling(p * total);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= rank)
            {
                return i * 0.01;
            }
        }
        return (_buckets.Length - 1) * 0.01;
    }
}
