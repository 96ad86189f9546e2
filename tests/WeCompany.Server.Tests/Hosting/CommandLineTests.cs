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

    private static async Task<(int Code, string Out, string Err)> RunServerAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "WeCompanyServer.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
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
}
