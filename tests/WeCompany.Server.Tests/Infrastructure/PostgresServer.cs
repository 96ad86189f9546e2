using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace WeCompany.Server.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server from Debian's binaries for this test run: initdb in a temporary folder, listening on a
/// free loopback port, stopped by its own pid when the test process exits — by the process itself, or by a
/// watchdog when the runner kills it — and its folder deleted. Each test asks for a fresh database.
/// As root, the server runs as the 'postgres' user (PostgreSQL refuses to run as root).
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(StartAsync);
    private readonly Process _process;
    private readonly string _folder;
    private int _databases;

    private PostgresServer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
    }

    public int Port { get; }

    public static Task<PostgresServer> SharedAsync() => SharedServer.Value;

    /// <summary>A new, empty database on the shared server.</summary>
    public static async Task<PostgresDatabase> CreateDatabaseAsync()
    {
        var server = await SharedAsync();
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref server._databases)}";
        await using (var connection = new NpgsqlConnection(server.ConnectionStringFor("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new PostgresDatabase(server.ConnectionStringFor(name));
    }

    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=50;Timeout=15";

    private static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinaries();
        var folder = Directory.CreateTempSubdirectory("wecompany-pg-").FullName;
        var data = Path.Combine(folder, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", ["-R", "postgres:postgres", folder]);
        }
        Run(asRoot ? "setpriv" : Path.Combine(bin, "initdb"), Wrap(asRoot, Path.Combine(bin, "initdb"),
            ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]));
        var port = FreePort();
        var start = new ProcessStartInfo(asRoot ? "setpriv" : Path.Combine(bin, "postgres"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in Wrap(asRoot, Path.Combine(bin, "postgres"),
                 ["-D", data, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", folder,
                  "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                  "-c", "full_page_writes=off", "-c", "max_connections=400", "-c", "shared_buffers=128MB"]))
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PostgresServer(process, folder, port);
        StartWatchdog(process.Id, folder);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(server.ConnectionStringFor("postgres"));
                await connection.OpenAsync();
                return server;
            }
            catch (Exception e) when (e is NpgsqlException or SocketException && DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    private void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                // SIGINT: PostgreSQL's fast shutdown.
                Run("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                if (!_process.WaitForExit(10_000))
                {
                    _process.Kill();
                }
            }
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            // Best effort at exit.
        }
    }

    /// <summary>
    /// The test runner ends its test host with a kill once the tests are done, so ProcessExit may never run: a
    /// detached shell (its own session, its own pipes) waits for this process to be gone, then stops PostgreSQL
    /// (fast shutdown, SIGKILL after 10 s) and deletes its folder. Without it every run left a server behind.
    /// </summary>
    private static void StartWatchdog(int postgres, string folder)
    {
        const string Script = """
            while kill -0 "$0" 2>/dev/null; do sleep 1; done
            kill -INT "$1" 2>/dev/null
            i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
            kill -KILL "$1" 2>/dev/null
            rm -rf "$2"
            """;
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "sh", "-c", Script, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 postgres.ToString(System.Globalization.CultureInfo.InvariantCulture), folder })
        {
            info.ArgumentList.Add(arg);
        }
        using var watchdog = Process.Start(info)!;
    }

    private static string[] Wrap(bool asRoot, string program, string[] args) =>
        asRoot ? ["--reuid=postgres", "--regid=postgres", "--init-groups", "--reset-env", program, .. args] : args;

    private static string FindBinaries()
    {
        var root = "/usr/lib/postgresql";
        var versions = Directory.Exists(root) ? Directory.GetDirectories(root).OrderByDescending(d => d).ToArray() : [];
        foreach (var version in versions)
        {
            if (File.Exists(Path.Combine(version, "bin", "postgres")))
            {
                return Path.Combine(version, "bin");
            }
        }
        throw new InvalidOperationException("PostgreSQL is not installed (Debian package 'postgresql'): run scripts/test-deps.sh.");
    }

    private static void Run(string program, string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed: {stderr.Result}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One database of the shared test server.</summary>
public sealed record PostgresDatabase(string ConnectionString);
