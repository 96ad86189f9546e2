using System.Diagnostics;
using System.Runtime.InteropServices;

namespace WeCompany.Cluster.Tests.Infrastructure;

/// <summary>
/// A process the fixture started: its output goes straight to a log file (kept for failures), and it is
/// signalled and stopped by its own pid, never by name.
/// </summary>
public sealed partial class ChildProcess : IDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    private readonly Process _process;

    private ChildProcess(Process process, string name, string logFile)
    {
        _process = process;
        Name = name;
        LogFile = logFile;
    }

    public string Name { get; }

    public string LogFile { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="program"/>; stdout and stderr are appended to <paramref name="logFile"/>.</summary>
    public static ChildProcess Start(string name, string logFile, string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        // exec through the shell only to redirect into the file: the pid stays the program's own, and no pipe
        // back to this process can fill up and stall a busy child.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$CHILD_LOG\" 2>&1 </dev/null");
        info.ArgumentList.Add(program);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["CHILD_LOG"] = logFile;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        File.AppendAllText(logFile, $"== {DateTime.UtcNow:O} {program} {string.Join(' ', info.ArgumentList.Skip(3))}\n");
        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start"), name, logFile);
    }

    /// <summary>SIGKILL: the process dies at once, as in a crash or a power cut.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            Signal(SigKill);
        }
    }

    /// <summary>SIGTERM: what systemd and Docker send to stop a service.</summary>
    public void Terminate() => Signal(SigTerm);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>Stops the process: SIGTERM, then SIGKILL if it is still there after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }
        Signal(SigTerm);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The end of the log, for assertion messages.</summary>
    public string LogTail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return $"--- {Name} ({LogFile}) ---\n" + string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"--- {Name}: log unreadable: {e.Message}";
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
