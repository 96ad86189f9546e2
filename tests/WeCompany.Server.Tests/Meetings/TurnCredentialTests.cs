using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using WeCompany.Server.Meetings;
using WeCompany.Server.Tests.Infrastructure;

namespace WeCompany.Server.Tests.Meetings;

/// <summary>TURN REST credentials: their format, and Debian's coturn accepting them (and refusing forged or expired ones).</summary>
public sealed class TurnCredentialTests
{
    private const string Secret = "a-turn-secret-for-tests";

    [Fact]
    public async Task JoinAnswersAnExpiryColonUserIdUsernameAndTheHmacSha1OfItAsCredential()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Turn:Urls:0"] = "turn:127.0.0.1:3478?transport=udp",
            ["Turn:Urls:1"] = "turn:127.0.0.1:3478?transport=tcp",
            ["Turn:Secret"] = Secret,
            ["Turn:CredentialSeconds"] = "7200",
        });
        var host = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var join = await ApiAssert.SuccessAsync(await host.JoinAsync(id));
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var turn = join.GetProperty("ice_servers").EnumerateArray().ToArray();
        Assert.Equal(["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"], turn.Select(t => t.GetProperty("urls").GetString()));

        var username = turn[0].GetProperty("username").GetString()!;
        var parts = username.Split(':');
        Assert.Equal(2, parts.Length);
        var expiry = long.Parse(parts[0], CultureInfo.InvariantCulture);
        Assert.InRange(expiry, before + 7200, after + 7200);
        Assert.Equal(host.Id.ToString(CultureInfo.InvariantCulture), parts[1]);
        // The TURN REST draft fixes HMAC-SHA1: this recomputes what coturn checks.
#pragma warning disable CA5350
        var expected = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(username)));
#pragma warning restore CA5350
        Assert.Equal(expected, turn[0].GetProperty("credential").GetString());
        Assert.Equal(username, turn[1].GetProperty("username").GetString());
    }

    [Fact]
    public void WithoutASecretNoTurnServerIsHandedOut()
    {
        var credentials = new TurnCredentials(
            Microsoft.Extensions.Options.Options.Create(new MeetingsOptions { IceServers = [new IceServerOptions { Urls = ["stun:a:3478", "stun:b:3478"] }] }),
            Microsoft.Extensions.Options.Options.Create(new TurnOptions { Urls = ["turn:a:3478"] }),
            TimeProvider.System);
        Assert.Equal(["stun:a:3478", "stun:b:3478"], credentials.IceServers(7).Select(s => s.Urls));
        Assert.All(credentials.IceServers(7), s => Assert.Null(s.Credential));
    }

    [Fact]
    public async Task CoturnAllocatesARelayWithTheJoinsCredentialsAndRefusesTamperedOrExpiredOnes()
    {
        Assert.True(File.Exists("/usr/bin/turnserver") && File.Exists("/usr/bin/turnutils_uclient"),
            "coturn is not installed (Debian package 'coturn'): run scripts/test-deps.sh");
        var folder = Directory.CreateTempSubdirectory("wecompany-turn-").FullName;
        var port = Ports.FreeUdpAndTcp();
        using var coturn = Start("/usr/bin/turnserver",
            "-n", "--listening-ip=127.0.0.1", $"--listening-port={port}", "--relay-ip=127.0.0.1", "--use-auth-secret",
            $"--static-auth-secret={Secret}", "--realm=wecompany", "--no-cli", "--no-tls", "--no-dtls", "--allow-loopback-peers",
            $"--userdb={Path.Combine(folder, "turndb")}", "--log-file=stdout", "--simple-log");
        // Drain coturn's log so a full pipe never stalls it.
        coturn.OutputDataReceived += (_, _) => { };
        coturn.ErrorDataReceived += (_, _) => { };
        coturn.BeginOutputReadLine();
        coturn.BeginErrorReadLine();
        try
        {
            await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
            {
                ["Turn:Urls:0"] = $"turn:127.0.0.1:{port}",
                ["Turn:Secret"] = Secret,
            });
            var host = await server.UserAsync();
            var id = await host.CreateMeetingIdAsync();
            var turn = (await ApiAssert.SuccessAsync(await host.JoinAsync(id))).GetProperty("ice_servers")[0];
            var username = turn.GetProperty("username").GetString()!;
            var credential = turn.GetProperty("credential").GetString()!;

            await MeetingKit.EventuallyAsync(() => Task.FromResult(Ports.IsListening(port)), TimeSpan.FromSeconds(15), "coturn to listen");
            var (ok, okOutput) = await AllocateAsync(port, username, credential);
            Assert.True(ok, okOutput);

            var tampered = (credential[0] == 'A' ? "B" : "A") + credential[1..];
            var (forged, forgedOutput) = await AllocateAsync(port, username, tampered);
            Assert.False(forged, forgedOutput);
            Assert.Contains("Cannot complete Allocation", forgedOutput, StringComparison.Ordinal);

            var (expiredUser, expiredCredential) = TurnCredentials.Sign(Secret, host.Id, DateTimeOffset.UtcNow.AddMinutes(-1));
            var (expired, expiredOutput) = await AllocateAsync(port, expiredUser, expiredCredential);
            Assert.False(expired, expiredOutput);
            Assert.Contains("Cannot complete Allocation", expiredOutput, StringComparison.Ordinal);
        }
        finally
        {
            coturn.Kill();
            await coturn.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(bool Success, string Output)> AllocateAsync(int port, string username, string credential)
    {
        using var client = Start("/usr/bin/turnutils_uclient",
            "-y", "-n", "5", "-u", username, "-w", credential, "-p", port.ToString(CultureInfo.InvariantCulture), "127.0.0.1");
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

    private static Process Start(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info)!;
    }
}
