using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace WeCompany.Bench.Signaling;

/// <summary>This program started again in a server mode, on a free loopback port, stopped by its own pid.</summary>
internal sealed class ChildServer : IDisposable
{
    private ChildServer(Process process, int port)
    {
        Process = process;
        Port = port;
    }

    public Process Process { get; }

    public int Port { get; }

    public static ChildServer Start(string mode)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var self = typeof(ChildServer).Assembly.Location;
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(self);
        }
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"[{mode}] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildServer(process, port);
    }

    public async Task WaitReadyAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{Port}/healthz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("child server did not start");
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit(10_000);
        }
        Process.Dispose();
    }
}
