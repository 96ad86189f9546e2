using System.Diagnostics;
using System.Globalization;

// Time from SIGKILL of the node hosting meetings to every one of their clients back in a room on a survivor,
// through nginx. Each round: the whole cluster up, `meetings` meetings of `size` sockets that all landed on one
// node, SIGKILL of that node, then every client does what a client does (socket drops → join through nginx →
// new socket → join-room, retried every 100 ms). Then the hand-over: the killed node starts again, nginx routes to
// it again, a late joiner of each meeting lands on it (the hash ring's home of the meeting), the survivor hands
// its rooms over (error 70002, close 1012) and the clients follow; timed from the late joiners' connect to every
// client back together on the returned node. Usage: rounds=5 meetings=3 size=5
var rounds = Arg("rounds", 5);
var meetingCount = Arg("meetings", 3);
var size = Arg("size", 5);
// The cluster tier asserts 5 s; the bench records whatever it takes, up to this.
var bound = TimeSpan.FromSeconds(30);

var cluster = new ClusterFixture();
await cluster.InitializeAsync();
try
{
    // Registered once (the gateway limits sign-ups per address); each round's meetings are new.
    var users = await Task.WhenAll(Enumerable.Range(0, meetingCount * size).Select(_ => GatewayClient.RegisterAsync(cluster)));
    var lateUsers = await Task.WhenAll(Enumerable.Range(0, meetingCount).Select(_ => GatewayClient.RegisterAsync(cluster)));
    var handOverTimes = new List<double>();
    var roundTimes = new List<double>();
    var clientTimes = new List<double>();
    Console.WriteLine($"# SIGKILL → all rejoined — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {Load()}, "
        + $"{rounds} rounds × {meetingCount} meetings × {size} sockets, nginx TLS gateway, {ClusterFixture.NodeCount} nodes");
    Console.WriteLine();
    Console.WriteLine("| round | restore + gateway ms | killed | survivors | clients | all rejoined ms | client p50 ms | client max ms | meetings tried | back home: hand-over → all together ms |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
    for (var round = 1; round <= rounds; round++)
    {
        // The killed node of the last round starts again, and nginx routes to it again (its fail_timeout).
        var restoring = Stopwatch.StartNew();
        await cluster.RestoreAsync();
        await cluster.GatewayReachesEveryNodeAsync(TimeSpan.FromSeconds(60));
        var settled = restoring.Elapsed.TotalMilliseconds;
        var (meetings, tried) = await MeetingsOnOneNodeAsync(users);
        var doomed = cluster.Node(meetings[0].HostingNode());
        var clock = Stopwatch.StartNew();
        doomed.Process.Kill();
        var moved = await Task.WhenAll(meetings.SelectMany(meeting => meeting.Sockets.Select(async socket =>
        {
            await socket.Closed.WaitAsync(bound);
            var back = await meeting.RejoinAsync(socket.User, clock, bound);
            return (Meeting: meeting, Socket: back, Ms: clock.Elapsed.TotalMilliseconds);
        })));
        var all = clock.Elapsed.TotalMilliseconds;
        var survivors = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var group in moved.GroupBy(m => m.Meeting.Id))
        {
            var nodes = group.Select(m => m.Socket.Node).Distinct().ToList();
            if (nodes.Count != 1 || nodes[0] is null || nodes[0] == doomed.Id)
            {
                throw new InvalidOperationException($"Meeting {group.Key}'s clients came back on [{string.Join(", ", nodes)}] after {doomed.Id} died.");
            }
            survivors.Add(nodes[0]!);
        }
        var perClient = moved.Select(m => m.Ms).Order().ToList();
        roundTimes.Add(all);
        clientTimes.AddRange(perClient);
        var handOver = await HandOverAsync(doomed.Id, lateUsers, meetings, moved.Select(m => (m.Meeting, m.Socket)).ToList());
        handOverTimes.Add(handOver);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {round} | {settled:0} | {doomed.Id} | {string.Join(", ", survivors)} | {moved.Length} | {all:0} | {Percentile(perClient, 0.5):0} | {perClient[^1]:0} | {tried} | {handOver:0} |"));
        foreach (var meeting in meetings)
        {
            await meeting.DisposeAsync();
        }
    }
    roundTimes.Sort();
    clientTimes.Sort();
    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"all rejoined (per round): p50 {Percentile(roundTimes, 0.5):0} ms, max {roundTimes[^1]:0} ms; "
        + $"per client: p50 {Percentile(clientTimes, 0.5):0} ms, p99 {Percentile(clientTimes, 0.99):0} ms, max {clientTimes[^1]:0} ms ({clientTimes.Count} rejoins)"));
    handOverTimes.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"back home after the restart (hand-over → every client together): p50 {Percentile(handOverTimes, 0.5):0} ms, max {handOverTimes[^1]:0} ms"));
}
finally
{
    await cluster.DisposeAsync();
}
return 0;

// The killed node is back: a late joiner of each meeting lands on it, the survivor hands the room over and every
// moved client follows. Answers the time from the late joiners' connect to the last client back on `home`.
async Task<double> HandOverAsync(string home, ClusterUser[] lateUsers, List<ClusterMeeting> meetings, List<(ClusterMeeting Meeting, MeetingSocket Socket)> moved)
{
    await cluster.RestoreAsync();
    var clock = Stopwatch.StartNew();
    var late = await Task.WhenAll(meetings.Select(async (meeting, i) =>
    {
        var user = lateUsers[i];
        var socket = await MeetingSocket.ConnectAsync(cluster, user, meeting.Id, await user.JoinAsync(meeting.Id), ClusterMeeting.PeerOf(user));
        await socket.JoinRoomAsync();
        return socket;
    }));
    var back = await Task.WhenAll(moved.Select(async m =>
    {
        await m.Socket.Closed.WaitAsync(bound);
        return await m.Meeting.RejoinAsync(m.Socket.User, clock, bound);
    }));
    var elapsed = clock.Elapsed.TotalMilliseconds;
    var nodes = back.Select(s => s.Node).Concat(late.Select(s => s.Node)).Distinct().ToList();
    foreach (var socket in back.Concat(late).Concat(moved.Select(m => m.Socket)))
    {
        await socket.DisposeAsync();
    }
    if (nodes.Count != 1 || nodes[0] != home)
    {
        throw new InvalidOperationException($"After {home} returned the clients are on [{string.Join(", ", nodes)}].");
    }
    return elapsed;
}

// meetingCount meetings of size users each, all hashed by nginx to the same node: a meeting on another node is
// left (its sockets closed) and made again, at most 40 times in all.
async Task<(List<ClusterMeeting> Meetings, int Tried)> MeetingsOnOneNodeAsync(ClusterUser[] users)
{
    var kept = new List<ClusterMeeting>();
    string? node = null;
    var tried = 0;
    while (kept.Count < meetingCount)
    {
        if (++tried > 40)
        {
            throw new InvalidOperationException($"40 meetings did not give {meetingCount} on one node.");
        }
        var group = users.Skip(kept.Count * size).Take(size).ToList();
        var meeting = await ClusterMeeting.StartAsync(cluster, group[0], group.Skip(1).ToList());
        node ??= meeting.HostingNode();
        if (meeting.HostingNode() == node)
        {
            kept.Add(meeting);
        }
        else
        {
            await meeting.DisposeAsync();
        }
    }
    return (kept, tried);
}

int Arg(string name, int fallback)
{
    var given = args.FirstOrDefault(a => a.StartsWith(name + "=", StringComparison.Ordinal));
    return given is null ? fallback : int.Parse(given[(name.Length + 1)..], CultureInfo.InvariantCulture);
}

static double Percentile(List<double> sorted, double p) =>
    sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

static string Load() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
