using System.Globalization;

namespace WeCompany.Cluster.Tests.Infrastructure;

/// <summary>Debian's coturn on a loopback port with <c>use-auth-secret</c>, as deploy/coturn/turnserver.conf configures it.</summary>
public sealed class Coturn : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private Coturn(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public ChildProcess Process => _process;

    public static async Task<Coturn> StartAsync(string folder, string secret)
    {
        if (!File.Exists("/usr/bin/turnserver") || !File.Exists("/usr/bin/turnutils_uclient"))
        {
            throw new InvalidOperationException("coturn is not installed (Debian package 'coturn'): run scripts/test-deps.sh.");
        }
        var port = Ports.FreeUdpAndTcp();
        // The deployed file's choices (use-auth-secret, realm, no-cli, fingerprint) with loopback ports; the
        // deployed file refuses loopback peers, which is all this machine has.
        var process = ChildProcess.Start("coturn", Path.Combine(folder, "coturn.log"), "/usr/bin/turnserver",
            ["-n", "--listening-ip=127.0.0.1", $"--listening-port={port}", "--relay-ip=127.0.0.1", "--use-auth-secret",
             $"--static-auth-secret={secret}", "--realm=wecompany", "--fingerprint", "--no-cli", "--no-tls", "--no-dtls",
             "--allow-loopback-peers", $"--userdb={Path.Combine(folder, "turndb")}", "--log-file=stdout", "--simple-log"]);
        var coturn = new Coturn(process, port);
        await Eventually.HoldsAsync(() => Task.FromResult(process.HasExited
            ? throw new InvalidOperationException("coturn exited while starting.\n" + process.LogTail())
            : Ports.IsListening(port)), TimeSpan.FromSeconds(30), "coturn to listen");
        return coturn;
    }

    /// <summary>Allocates a relay with <c>turnutils_uclient</c>; answers whether coturn granted it, and the client's output.</summary>
    public async Task<(bool Allocated, string Output)> AllocateAsync(string username, string credential)
    {
        var info = new System.Diagnostics.ProcessStartInfo("/usr/bin/turnutils_uclient")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-y", "-n", "5", "-u", username, "-w", credential, "-p", Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1" })
        {
            info.ArgumentList.Add(arg);
        }
        using var client = System.Diagnostics.Process.Start(info)!;
        var output = client.StandardOutput.ReadToEndAsync();
        var error = client.StandardError.ReadToEndAsync();
        try
        {
            await client.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            client.Kill();
            throw;
        }
        var text = await output + await error;
        return (client.ExitCode == 0 && !text.Contains("Cannot complete Allocation", StringComparison.Ordinal), text);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}
