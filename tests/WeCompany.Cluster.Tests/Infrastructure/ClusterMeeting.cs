using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;

namespace WeCompany.Cluster.Tests.Infrastructure;

/// <summary>A meeting whose participants joined through nginx, each with a signaling socket.</summary>
public sealed class ClusterMeeting : IAsyncDisposable
{
    private readonly ClusterFixture _cluster;

    private ClusterMeeting(ClusterFixture cluster, long id, List<MeetingSocket> sockets)
    {
        _cluster = cluster;
        Id = id;
        Sockets = sockets;
    }

    public long Id { get; }

    /// <summary>The participants' current sockets (the host's first).</summary>
    public List<MeetingSocket> Sockets { get; }

    public static string PeerOf(ClusterUser user) => "peer_" + user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A host and <paramref name="others"/> more users, all joined and in the room.</summary>
    public static async Task<ClusterMeeting> StartAsync(ClusterFixture cluster, int others)
    {
        var host = await GatewayClient.RegisterAsync(cluster);
        return await StartAsync(cluster, host, await Task.WhenAll(Enumerable.Range(0, others).Select(_ => GatewayClient.RegisterAsync(cluster))));
    }

    /// <summary>A new meeting of <paramref name="host"/> with users registered before, all joined and in the room.</summary>
    public static async Task<ClusterMeeting> StartAsync(ClusterFixture cluster, ClusterUser host, IReadOnlyList<ClusterUser> others)
    {
        var id = await host.CreateMeetingAsync();
        var meeting = new ClusterMeeting(cluster, id, []);
        try
        {
            foreach (var user in others.Prepend(host))
            {
                var join = await user.JoinAsync(id);
                var socket = await MeetingSocket.ConnectAsync(cluster, user, id, join, PeerOf(user));
                meeting.Sockets.Add(socket);
                await socket.JoinRoomAsync();
            }
            return meeting;
        }
        catch
        {
            await meeting.DisposeAsync();
            throw;
        }
    }

    /// <summary>The one node every participant's socket is on (asserted).</summary>
    public string HostingNode()
    {
        var nodes = Sockets.Select(s => s.Node).Distinct().ToList();
        Assert.True(nodes.Count == 1 && nodes[0] is not null,
            $"The participants' sockets are on nodes [{string.Join(", ", nodes.Select(n => n ?? "(no X-WeCompany-Node header)"))}].");
        return nodes[0]!;
    }

    /// <summary>
    /// What a client does when its socket drops: join again through nginx (idempotent), reconnect with the same
    /// peer_id and send join-room, retrying until it is in a room or <paramref name="within"/> has passed.
    /// </summary>
    public async Task<MeetingSocket> RejoinAsync(ClusterUser user, Stopwatch since, TimeSpan within)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        Exception? last = null;
        while (since.Elapsed < within)
        {
            try
            {
                var join = await user.JoinAsync(Id);
                var socket = await MeetingSocket.ConnectAsync(_cluster, user, Id, join, PeerOf(user));
                try
                {
                    await socket.JoinRoomAsync();
                    return socket;
                }
                catch
                {
                    await socket.DisposeAsync();
                    throw;
                }
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or TimeoutException or InvalidOperationException or Xunit.Sdk.XunitException)
            {
                last = e;
                await tick.WaitForNextTickAsync();
            }
        }
        throw new TimeoutException($"User {user.Id} did not get back into meeting {Id} within {within.TotalSeconds:0.#} s: {last?.Message}\n{_cluster.Logs()}");
    }

    /// <summary>Every chat message a participant was acknowledged (seq → content).</summary>
    public static void AssertHistoryHolds(IReadOnlyList<JsonElement> history, IReadOnlyDictionary<long, string> acknowledged)
    {
        var stored = history.ToDictionary(m => m.GetProperty("seq").GetInt64(), m => m.GetProperty("content").GetString());
        foreach (var (seq, content) in acknowledged)
        {
            Assert.True(stored.TryGetValue(seq, out var text) && text == content,
                $"Acknowledged message {seq} '{content}' is missing from the history ({stored.Count} messages).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var socket in Sockets)
        {
            await socket.DisposeAsync();
        }
    }
}
