using System.Globalization;
using System.Security.Cryptography;

namespace WeCompany.Cluster.Tests.Infrastructure;

/// <summary>
/// The cluster on loopback: one PostgreSQL, three server processes sharing its database and the JWT key,
/// coturn, and nginx in front with the deploy/ configuration. Started once for the tier; tests that kill a
/// node start it again. Logs stay in <see cref="Folder"/> (data folders are removed at the end).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int NodeCount = 3;

    /// <summary>How long a SIGTERM-ed node may take to move its clients (Cluster:DrainTimeoutSeconds).</summary>
    public const int DrainTimeoutSeconds = 10;

    private readonly List<ServerNode> _nodes = [];

    public string Folder { get; } = Directory.CreateTempSubdirectory("wecompany-cluster-").FullName;

    public string TurnSecret { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    public IReadOnlyList<ServerNode> Nodes => _nodes;

    public NginxGateway Gateway { get; private set; } = null!;

    public Coturn Turn { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var database = await PostgresServer.CreateDatabaseAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Turn = await Coturn.StartAsync(Folder, TurnSecret);
        var shared = new Dictionary<string, string>
        {
            ["WECOMPANY_Storage__Provider"] = "postgres",
            ["WECOMPANY_Storage__ConnectionString"] = database.ConnectionString,
            // One key for every node: a token issued by one is valid on the others.
            ["WECOMPANY_Auth__JwtKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["WECOMPANY_Auth__PasswordIterations"] = "10000",
            ["WECOMPANY_Cluster__DrainTimeoutSeconds"] = DrainTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            ["WECOMPANY_Http__Address"] = "127.0.0.1",
            ["WECOMPANY_Http__TrustedProxies__0"] = "127.0.0.1",
            ["WECOMPANY_Media__BindAddress"] = "127.0.0.1",
            ["WECOMPANY_Media__PublicAddresses__0"] = "127.0.0.1",
            ["WECOMPANY_Turn__Urls__0"] = $"turn:127.0.0.1:{Turn.Port.ToString(CultureInfo.InvariantCulture)}?transport=udp",
            ["WECOMPANY_Turn__Secret"] = TurnSecret,
            ["WECOMPANY_Logging__LogLevel__Default"] = "Information",
            ["WECOMPANY_Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
        };
        for (var i = 1; i <= NodeCount; i++)
        {
            var folder = Path.Combine(Folder, $"node{i}");
            Directory.CreateDirectory(folder);
            _nodes.Add(new ServerNode($"node{i}", folder, shared));
        }
        // The first node creates the schema; the others start beside it (migrations take an advisory lock).
        await Task.WhenAll(_nodes.Select(n => n.StartAsync()));
        Gateway = await NginxGateway.StartAsync(Path.Combine(Folder, "nginx"), _nodes);
    }

    public ServerNode Node(string id) =>
        _nodes.SingleOrDefault(n => n.Id == id) ?? throw new InvalidOperationException($"No node '{id}' (answers came from an unknown node).");

    /// <summary>
    /// Brings the cluster back to every node running after a test killed or terminated one: a node still
    /// shutting down gets its drain window to finish (then SIGKILL), then every stopped node starts again.
    /// </summary>
    public async Task RestoreAsync()
    {
        var window = TimeSpan.FromSeconds(DrainTimeoutSeconds + 15);
        foreach (var node in _nodes.Where(n => n.IsRunning && n.WasTerminated))
        {
            try
            {
                await node.Process.WaitForExitAsync(window);
            }
            catch (TimeoutException)
            {
                node.Process.Kill();
                await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
        }
        var stopped = _nodes.Where(n => !n.IsRunning).ToList();
        await Task.WhenAll(stopped.Select(n => n.StartAsync()));
        if (stopped.Count > 0)
        {
            await GatewayReachesEveryNodeAsync(TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>
    /// Waits until nginx routes both REST (round robin) and signaling (the meeting_id hash ring) to every node.
    /// nginx skips a node that refused a connection for fail_timeout (deploy/nginx/wecompany.conf), per upstream,
    /// and cannot be asked about it: until then a restarted node gets no traffic, and a meeting whose joins span
    /// the moment its mark expires opens on two nodes (one then hands its room over: docs/cluster.md, "Room
    /// ownership"), so tests wait for a settled gateway. A request that reaches a node carries its
    /// X-WeCompany-Node; the signaling probe has no token, which the node refuses (not a failure to nginx).
    /// </summary>
    public async Task GatewayReachesEveryNodeAsync(TimeSpan timeout)
    {
        using var client = GatewayClient.Create(this);
        var rest = new HashSet<string>(StringComparer.Ordinal);
        var signaling = new HashSet<string>(StringComparer.Ordinal);
        var probe = 0;
        await Eventually.HoldsAsync(async () =>
        {
            for (var i = 0; i < 6; i++)
            {
                using (var ping = await client.GetAsync("api/v1/ping"))
                {
                    if (GatewayClient.NodeOf(ping) is { } node)
                    {
                        rest.Add(node);
                    }
                }
                using var socket = await client.GetAsync(string.Create(CultureInfo.InvariantCulture, $"ws/signaling?meeting_id={++probe}"));
                if (GatewayClient.NodeOf(socket) is { } signalingNode)
                {
                    signaling.Add(signalingNode);
                }
            }
            return rest.Count == NodeCount && signaling.Count == NodeCount;
        }, timeout, "nginx to route REST and signaling to every node again");
    }

    /// <summary>The end of every process's log: assertion messages carry it.</summary>
    public string Logs() =>
        $"logs in {Folder}\n" + string.Join("\n", _nodes.Select(n => n.LogTail()))
        + "\n" + Gateway?.Process.LogTail(10);

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
        if (Turn is not null)
        {
            await Turn.DisposeAsync();
        }
        // Logs are kept for a failed run's reader; the nodes' data folders are not needed.
        foreach (var node in _nodes)
        {
            try
            {
                Directory.Delete(node.DataDir, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS's temp cleaning.
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
