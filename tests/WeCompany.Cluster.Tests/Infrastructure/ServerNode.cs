using System.Globalization;
using System.Net;

namespace WeCompany.Cluster.Tests.Infrastructure;

/// <summary>
/// One WeCompany server process of the cluster: <c>dotnet WeCompanyServer.dll --http-port … -p … --data-dir …</c>
/// with its configuration in WECOMPANY_ environment variables. It can be killed, terminated and started again
/// with the same id, ports and data folder.
/// </summary>
public sealed class ServerNode : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _folder;
    private ChildProcess? _process;

    public ServerNode(string id, string folder, IReadOnlyDictionary<string, string> sharedEnvironment)
    {
        Id = id;
        _folder = folder;
        HttpPort = Ports.FreeTcp();
        TcpPort = Ports.FreeTcp();
        MediaPort = Ports.FreeUdpAndTcp();
        DataDir = Path.Combine(folder, "data");
        Directory.CreateDirectory(DataDir);
        var environment = new Dictionary<string, string>(sharedEnvironment)
        {
            ["WECOMPANY_Media__Port"] = MediaPort.ToString(CultureInfo.InvariantCulture),
        };
        // The node id is the name unless the caller set one (an empty one: a new id on every start, as embedded servers do).
        environment.TryAdd("WECOMPANY_Cluster__NodeId", id);
        _environment = environment;
    }

    public string Id { get; }

    public int HttpPort { get; }

    public int TcpPort { get; }

    public int MediaPort { get; }

    public string DataDir { get; }

    public Uri DirectAddress => new($"http://127.0.0.1:{HttpPort}/");

    public ChildProcess Process => _process ?? throw new InvalidOperationException($"{Id} was never started.");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Whether the running process was sent SIGTERM (it is draining or shutting down).</summary>
    public bool WasTerminated { get; private set; }

    /// <summary>SIGTERM: a stop by systemd or Docker (the node drains).</summary>
    public void Terminate()
    {
        WasTerminated = true;
        Process.Terminate();
    }

    public string LogTail() => _process?.LogTail(25) ?? $"--- {Id}: never started";

    /// <summary>Starts the process and waits until it answers /readyz with 200 on its own port.</summary>
    public async Task StartAsync()
    {
        _process?.Dispose();
        WasTerminated = false;
        _process = ChildProcess.Start(Id, Path.Combine(_folder, "server.log"), "dotnet",
            [ServerBinary.Path, "--http-port", HttpPort.ToString(CultureInfo.InvariantCulture),
             "-p", TcpPort.ToString(CultureInfo.InvariantCulture), "--data-dir", DataDir],
            _environment);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var process = _process;
        await Eventually.HoldsAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Id} exited with {process.ExitCode} while starting.\n{process.LogTail()}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(DirectAddress, "readyz"));
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
        }, StartTimeout, $"{Id} to be ready on port {HttpPort}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(20));
            _process.Dispose();
        }
    }
}

/// <summary>The server's build output: src/WeCompany.Server/bin/&lt;same configuration as these tests&gt;/net10.0/WeCompanyServer.dll.</summary>
public static class ServerBinary
{
    public static string Path { get; } = Find();

    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "WeCompany.slnx")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No WeCompany.slnx above {AppContext.BaseDirectory}.");
    }

    private static string Find()
    {
        // The tests run from tests/WeCompany.Cluster.Tests/bin/<Configuration>/<tfm>/: the project reference
        // built the server in the same configuration and framework.
        var tfmFolder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var configuration = tfmFolder.Parent!.Name;
        var path = System.IO.Path.Combine(FindRoot(), "src", "WeCompany.Server", "bin", configuration, tfmFolder.Name, "WeCompanyServer.dll");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"The server is not built at {path}: build tests/WeCompany.Cluster.Tests (it references the server).");
    }
}
