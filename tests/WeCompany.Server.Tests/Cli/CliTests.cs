using System.Globalization;
using System.Text.RegularExpressions;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Calls;

namespace WeCompany.Server.Tests.Cli;

/// <summary>The <c>wecompany</c> command line run as a child process against a real in-process server.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class CliTests : IDisposable
{
    private const string Password = "SecurePass123!";
    private readonly string _home = Directory.CreateTempSubdirectory("wecompany-cli-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task LoginWithAWrongPasswordFailsClearlyAndStoresNothing()
    {
        await using var server = await StartServerAsync();
        var alice = await server.RegisterAsync();
        var session = Path.Combine(_home, "alice.json");

        await using var cli = await CliProcess.RunAsync(_home, "login", alice.Username, "WrongPass999!", "--server", server.BaseAddress.ToString(),
            "--tcp", TcpAddress(server), "--session", session);

        Assert.Equal(1, cli.ExitCode);
        Assert.Equal("error: 401 Wrong username or password.", cli.Stderr.Trim());
        Assert.False(File.Exists(session));
    }

    [Fact]
    public async Task LoginStoresTheSessionReadableByItsOwnerOnly()
    {
        await using var server = await StartServerAsync();
        var alice = await server.RegisterAsync();
        var session = Path.Combine(_home, "sessions", "alice.json");

        await using var cli = await LoginAsync(server, alice.Username, session);

        Assert.Equal(0, cli.ExitCode);
        Assert.Contains($"user id {alice.UserId.ToString(CultureInfo.InvariantCulture)}", cli.Stdout, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(session));
        Assert.Contains(alice.Username, await File.ReadAllTextAsync(session), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutSessionOptionTheSessionLivesUnderXdgConfigHome()
    {
        await using var server = await StartServerAsync();
        var alice = await server.RegisterAsync();

        await using var cli = await CliProcess.RunAsync(_home, "login", alice.Username, Password, "--server", server.BaseAddress.ToString(), "--tcp", TcpAddress(server));

        Assert.Equal(0, cli.ExitCode);
        var session = Path.Combine(_home, "wecompany", "session.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(session));
    }

    [Fact]
    public async Task SendDeliversTheTextToAListeningUser()
    {
        await using var server = await StartServerAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var aliceSession = Path.Combine(_home, "alice.json");
        var bobSession = Path.Combine(_home, "bob.json");
        await (await LoginAsync(server, alice.Username, aliceSession)).DisposeAsync();
        await (await LoginAsync(server, bob.Username, bobSession)).DisposeAsync();

        await using var listen = CliProcess.Start(_home, "listen", "--session", bobSession);
        await listen.WaitForLineAsync(line => line.StartsWith("listening as user", StringComparison.Ordinal));
        await using var send = await CliProcess.RunAsync(_home, "send", Id(bob), "hello", "bob", "--session", aliceSession);

        Assert.Equal(0, send.ExitCode);
        Assert.Contains($"sent to {Id(bob)}", send.Stdout, StringComparison.Ordinal);
        await listen.WaitForLineAsync(line => line == $"[text] {Id(alice)}: hello bob");
        await listen.InterruptAsync();
        Assert.Equal(0, listen.ExitCode);
    }

    [Fact]
    public async Task ACallToAnAnsweringListenerCarriesTheToneBothWays()
    {
        await using var server = await StartServerAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var aliceSession = Path.Combine(_home, "alice.json");
        var bobSession = Path.Combine(_home, "bob.json");
        await (await LoginAsync(server, alice.Username, aliceSession)).DisposeAsync();
        await (await LoginAsync(server, bob.Username, bobSession)).DisposeAsync();

        await using var listen = CliProcess.Start(_home, "listen", "--answer", "--session", bobSession);
        await listen.WaitForLineAsync(line => line.StartsWith("listening as user", StringComparison.Ordinal));
        await using var call = await CliProcess.RunAsync(_home, "call", Id(bob), "--seconds", "2", "--session", aliceSession);

        Assert.Equal(0, call.ExitCode);
        var report = ReceivedReport().Match(call.Stdout);
        Assert.True(report.Success, call.Stdout + call.Stderr);
        Assert.True(long.Parse(report.Groups["sent"].Value, CultureInfo.InvariantCulture) > 0, call.Stdout);
        Assert.True(long.Parse(report.Groups["received"].Value, CultureInfo.InvariantCulture) > 0, call.Stdout);
        await listen.WaitForLineAsync(line => line.StartsWith($"[media] {Id(alice)}: ", StringComparison.Ordinal));
        await listen.WaitForLineAsync(line => line.StartsWith("[call] CallEnd", StringComparison.Ordinal));
        await listen.InterruptAsync();
        Assert.Equal(0, listen.ExitCode);
    }

    [Fact]
    public async Task SendToAnOfflineUserReportsTheErrorAndFails()
    {
        await using var server = await StartServerAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var aliceSession = Path.Combine(_home, "alice.json");
        await (await LoginAsync(server, alice.Username, aliceSession)).DisposeAsync();

        await using var send = await CliProcess.RunAsync(_home, "send", Id(bob), "anyone there?", "--session", aliceSession);

        Assert.True(send.ExitCode == 1, $"exit {send.ExitCode}\n{send.Stdout}\n{send.Stderr}\nport {TcpAddress(server)} online [{string.Join(',', server.Service<TcpServer>().OnlineUsers())}] session {await File.ReadAllTextAsync(aliceSession)}");
        Assert.Equal($"error: The user is not online. ({ErrorCodes.TcpUserOffline.ToString(CultureInfo.InvariantCulture)})", send.Stderr.Trim());
        Assert.DoesNotContain("sent to", send.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("send", "5")]
    [InlineData("call")]
    [InlineData("login")]
    [InlineData("listen", "--session")]
    public async Task AnUnknownCommandOrMissingArgumentPrintsUsageAndExitsTwo(params string[] args)
    {
        await using var cli = await CliProcess.RunAsync(_home, args);

        Assert.Equal(2, cli.ExitCode);
        Assert.StartsWith("error: ", cli.Stderr, StringComparison.Ordinal);
        Assert.Contains("Usage: wecompany COMMAND", cli.Stderr + cli.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpPrintsUsageAndSucceeds()
    {
        await using var cli = await CliProcess.RunAsync(_home, "--help");

        Assert.Equal(0, cli.ExitCode);
        Assert.StartsWith("Usage: wecompany COMMAND", cli.Stdout, StringComparison.Ordinal);
    }

    // The TCP listener on 127.0.0.1 like the calls tests' servers: on the wildcard address, a port 0 bind with
    // SO_REUSEADDR was seen to share its port with another test server's 127.0.0.1 listener, which then took the CLI's connection.
    private static Task<TestServer> StartServerAsync() =>
        TestServer.StartAsync(new Dictionary<string, string?> { ["Tcp:Address"] = "127.0.0.1" });

    private static string Id(AuthResult user) => user.UserId.ToString(CultureInfo.InvariantCulture);

    private static string TcpAddress(TestServer server) =>
        "127.0.0.1:" + server.Service<TcpServer>().Port.ToString(CultureInfo.InvariantCulture);

    private async Task<CliProcess> LoginAsync(TestServer server, string username, string session)
    {
        var cli = await CliProcess.RunAsync(_home, "login", username, Password, "--server", server.BaseAddress.ToString(),
            "--tcp", TcpAddress(server), "--session", session);
        Assert.True(cli.ExitCode == 0, cli.Stderr);
        return cli;
    }

    [GeneratedRegex(@"sent (?<sent>\d+) media frames; received (?<received>\d+) frames")]
    private static partial Regex ReceivedReport();
}
