using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace WeCompany.Server.Tests.Cli;

/// <summary>
/// The built <c>wecompany.dll</c> run with <c>dotnet</c> as a child process, the way a person runs it. Its config
/// folder (XDG_CONFIG_HOME) is a temp folder so no test ever reads or writes the real home folder's session.
/// Every wait is bounded; a process still running when the test lets go of it is killed.
/// </summary>
public sealed class CliProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly ConcurrentQueue<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _watchers = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(Process process) => _process = process;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <c>wecompany ARGS</c> with its config home under <paramref name="configHome"/>.</summary>
    public static CliProcess Start(string configHome, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "wecompany.dll");
        Assert.True(File.Exists(dll), $"the CLI was not built beside the tests: {dll}");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["XDG_CONFIG_HOME"] = configHome;
        start.Environment.Remove("WECOMPANY_PASSWORD");
        var cli = new CliProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        cli._process.OutputDataReceived += (_, e) => cli.OnLine(e.Data, cli._stdout, cli._stdoutClosed, watch: true);
        cli._process.ErrorDataReceived += (_, e) => cli.OnLine(e.Data, cli._stderr, cli._stderrClosed, watch: false);
        cli._process.Start();
        // Nothing is ever typed: a command that asks for a password sees end-of-input instead of waiting forever.
        cli._process.StandardInput.Close();
        cli._process.BeginOutputReadLine();
        cli._process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs a command to its end and answers the exit code (the process is killed after the wait).</summary>
    public static async Task<CliProcess> RunAsync(string configHome, params string[] args)
    {
        var cli = Start(configHome, args);
        await cli.WaitForExitAsync(DefaultWait);
        return cli;
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for a stdout line that <paramref name="match"/> accepts (lines already printed count).</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? wait = null)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _watchers.Enqueue((match, seen));
        foreach (var line in Stdout.Split('\n'))
        {
            if (match(line))
            {
                seen.TrySetResult(line);
            }
        }
        return WithOutput(seen.Task.WaitAsync(wait ?? DefaultWait));
    }

    /// <summary>Waits for the process and its output to end; kills it if it outlives <paramref name="wait"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan wait)
    {
        try
        {
            await WithOutput(Task.WhenAll(_process.WaitForExitAsync(), _stdoutClosed.Task, _stderrClosed.Task).WaitAsync(wait));
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Sends SIGINT, what Ctrl-C does, and waits for the process to finish on its own.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await WaitForExitAsync(TimeSpan.FromSeconds(20));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }

    private async Task<T> WithOutput<T>(Task<T> task)
    {
        try
        {
            return await task;
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nstdout:\n{Stdout}\nstderr:\n{Stderr}", e);
        }
    }

    private async Task WithOutput(Task task)
    {
        try
        {
            await task;
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nstdout:\n{Stdout}\nstderr:\n{Stderr}", e);
        }
    }

    private void OnLine(string? line, StringBuilder into, TaskCompletionSource closed, bool watch)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }
        lock (into)
        {
            into.Append(line).Append('\n');
        }
        if (watch)
        {
            foreach (var (match, seen) in _watchers)
            {
                if (match(line))
                {
                    seen.TrySetResult(line);
                }
            }
        }
    }

    private static string DotnetHost()
    {
        // `dotnet test` names the host it runs under; otherwise the one on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
    }
}
