using System.Diagnostics;
using WeCompany.Server.Hosting;

namespace WeCompany.Server.Tests.Hosting;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new[] { "-p", "9999" }, "Tcp:Port", "9999")]
    [InlineData(new[] { "--port", "9000" }, "Tcp:Port", "9000")]
    [InlineData(new[] { "--http-port=8181" }, "Http:Port", "8181")]
    [InlineData(new[] { "--data-dir", "/tmp/x" }, "Storage:DataDir", "/tmp/x")]
    [InlineData(new[] { "--media-port", "7000" }, "Media:Port", "7000")]
    public void OptionsBecomeConfigurationKeys(string[] args, string key, string value)
    {
        var result = ServerCommandLine.Parse(args);
        Assert.Null(result.Error);
        Assert.Equal(value, result.Settings[key]);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("-p")]
    [InlineData("-p", "notaport")]
    [InlineData("-p", "70000")]
    [InlineData("--config", "/nonexistent/file.json")]
    public void BadOptionsAreErrors(params string[] args) => Assert.NotNull(ServerCommandLine.Parse(args).Error);

    private static Task<(int Code, string Out, string Err)> RunServerAsync(params string[] args) => RunServerAsync(new Dictionary<string, string>(), args);

    private static async Task<(int Code, string Out, string Err)> RunServerAsync(Dictionary<string, string> environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "WeCompanyServer.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task HelpPrintsUsageAndExitsZero()
    {
        var (code, stdout, _) = await RunServerAsync("--help");
        Assert.Equal(0, code);
        Assert.Contains("-p, --port PORT", stdout, StringComparison.Ordinal);
        Assert.Contains("--http-port", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownOptionPrintsUsageAndExitsTwo()
    {
        var (code, _, stderr) = await RunServerAsync("--frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("unknown option '--frobnicate'", stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableDatabaseIsOneClearLineAndExitCodeOneWithoutThePassword()
    {
        // A port bound but not listening refuses every connection, and stays ours for the whole test (a port merely
        // found free could be taken by another test's server in between, which then answered instead).
        using var refusing = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        refusing.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)refusing.LocalEndPoint!).Port;
        var dataDir = Directory.CreateTempSubdirectory("wecompany-test-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["WECOMPANY_Storage__Provider"] = "postgres",
            ["WECOMPANY_Storage__ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=wecompany;Password=hunter2-secret;Database=wecompany;Timeout=5",
        };

        var (code, stdout, stderr) = await RunServerAsync(environment, "--data-dir", dataDir, "--http-port", "0", "-p", "0", "--media-port", "0");

        Assert.Equal(1, code);
        Assert.Contains("error: the server could not start: the database (postgres) failed: Failed to connect to 127.0.0.1:" + port, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("WeCompany is running", stdout, StringComparison.Ordinal);
    }
}
