using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WeCompany.Client.Tcp;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Server.Tests.Calls;

/// <summary>Replacement, slow receivers, presence and the admin endpoints.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TcpSessionTests(SharedCallsServer shared) : IClassFixture<SharedCallsServer>
{
    private CallsTestServer Server => shared.Server;

    private static string Id(TestUser user) => user.Id.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task RegisteringAgainReplacesTheOlderConnectionWhichGetsErrorThenClose()
    {
        var alice = await Server.CreateUserAsync();
        var bob = await Server.CreateUserAsync();
        await using var first = await Server.ConnectRawAsync(alice);
        await using var second = await Server.ConnectRawAsync(alice);
        Assert.Equal(ErrorCodes.TcpReplaced, await first.ExpectErrorThenCloseAsync());

        await using var b = await Server.ConnectRawAsync(bob);
        await b.SendAsync(FrameType.Text, Id(alice), "to the new one"u8.ToArray());
        Assert.Equal("to the new one", (await second.ExpectAsync(FrameType.Text)).Text);
        Assert.True(Server.Tcp.IsOnline(alice.Id));
    }

    [Fact]
    public async Task AReceiverThatNeverReadsLosesOldMediaThenIsDisconnectedWhenControlFramesCannotFit()
    {
        await using var server = await CallsTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Tcp:MaxQueuedBytes"] = "262144",
            ["Tcp:MaxQueuedFrames"] = "4096", // Alice gets an ERROR per TEXT sent after Bob is gone: room for them.
        });
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        await using var a = await server.ConnectRawAsync(alice);
        // Bob registers, then never reads again: a small receive buffer so the kernel fills quickly.
        await using var b = await RawTcpClient.ConnectAsync(server.TcpPort, receiveBuffer: 4096, read: false);
        await b.SendAsync(FrameType.Register, Id(bob), Encoding.UTF8.GetBytes(bob.Token));
        await Eventually.TrueAsync(() => server.Tcp.IsOnline(bob.Id), "bob is registered");
        Assert.Equal(Server.Calls.GetType(), server.Calls.GetType());
        Assert.Equal(WeCompany.Server.Calls.CallResult.Ok, server.Calls.InitiateCall(alice.Id, bob.Id, true, out var call));
        Assert.Equal(WeCompany.Server.Calls.CallResult.Ok, server.Calls.AcceptCall(call!.Id));

        var media = MediaPayload.Build(Encoding.ASCII.GetBytes(call.Id), new byte[32 * 1024]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (server.Tcp.MediaFramesDropped == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "media was never dropped");
            await a.SendAsync(FrameType.MediaData, Id(bob), media);
        }
        Assert.True(server.Tcp.IsOnline(bob.Id), "dropping media does not disconnect");
        Assert.True(server.Tcp.IsOnline(alice.Id));

        var text = new byte[60 * 1024];
        while (server.Tcp.SlowReceiversDisconnected == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the slow receiver was never disconnected");
            await a.SendAsync(FrameType.Text, Id(bob), text);
        }
        await Eventually.TrueAsync(() => !server.Tcp.IsOnline(bob.Id), "bob is gone");
        // Alice is told the call ended because Bob's connection went, and is still served.
        Assert.Equal(CallReasons.Disconnected, (await a.ExpectAsync(FrameType.CallEnd)).Json.GetProperty("reason").GetString());
        await a.SendAsync(FrameType.Heartbeat, "", []);
        await a.ExpectAsync(FrameType.Heartbeat);
    }

    [Fact]
    public async Task PresenceListsTcpUsersWhileConnected()
    {
        var alice = await Server.CreateUserAsync();
        var presence = Server.Services.GetRequiredService<WeCompany.Server.Presence.PresenceRegistry>();
        await using (await Server.ConnectRawAsync(alice))
        {
            Assert.Contains(presence.Snapshot(), e => e.UserId == alice.Id && e.Channel == WeCompany.Server.Presence.PresenceChannel.Tcp);
            Assert.Contains(alice.Id, Server.Tcp.OnlineUsers());
        }
        await Eventually.TrueAsync(() => !presence.IsOnline(alice.Id), "alice leaves the presence registry");
    }

    private async Task<HttpRequestMessage> AuthorizedAsync(HttpMethod method, string path, TestUser user, object? body = null)
    {
        await Task.CompletedTask;
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: WireJson.Options);
        }
        return request;
    }

    private async Task<TestUser> AdminAsync()
    {
        try
        {
            return await Server.CreateUserAsync(CallsTestServer.AdminName);
        }
        catch (Xunit.Sdk.TrueException)
        {
            // Another test made it already: sign in instead.
            using var login = await Server.Client.PostAsJsonAsync("/api/v1/auth/login", new LoginRequest(CallsTestServer.AdminName, "correct horse battery"), WireJson.Options);
            var data = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
            return new TestUser(data.GetProperty("user_id").GetInt64(), CallsTestServer.AdminName, data.GetProperty("token").GetString()!);
        }
    }

    [Fact]
    public async Task AdminEndpointsRefuseUsersWhoAreNotAdministrators()
    {
        var user = await Server.CreateUserAsync();
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, "/api/v1/admin/online-users", null),
            (HttpMethod.Post, "/api/v1/admin/messages", new AdminMessageRequest(user.Id, "x")),
            (HttpMethod.Post, "/api/v1/admin/broadcast", new AdminBroadcastRequest("x")),
        })
        {
            using var request = await AuthorizedAsync(method, path, user, body);
            using var response = await Server.Client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(403, (int)response.StatusCode);
            var error = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(ErrorCodes.NotAdministrator, error.GetProperty("error").GetProperty("code").GetInt32());
        }
        using var anonymous = await Server.Client.GetAsync("/api/v1/admin/online-users").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(401, (int)anonymous.StatusCode);
    }

    [Fact]
    public async Task AdminSeesOnlineUsersAndReachesThemByMessageAndBroadcast()
    {
        var admin = await AdminAsync();
        var bob = await Server.CreateUserAsync();
        await using var b = await Server.ConnectRawAsync(bob);

        using (var request = await AuthorizedAsync(HttpMethod.Get, "/api/v1/admin/online-users", admin))
        using (var response = await Server.Client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(10)))
        {
            var users = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("users");
            Assert.Contains(users.EnumerateArray(), u => u.GetProperty("user_id").GetInt64() == bob.Id && u.GetProperty("channel").GetString() == "tcp");
        }
        using (var request = await AuthorizedAsync(HttpMethod.Post, "/api/v1/admin/messages", admin, new AdminMessageRequest(bob.Id, "maintenance at noon")))
        using (var response = await Server.Client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.Equal(200, (int)response.StatusCode);
        }
        var message = await b.ExpectAsync(FrameType.Text);
        Assert.Equal("maintenance at noon", message.Text);
        Assert.Equal(Id(admin), message.UserId);

        using (var request = await AuthorizedAsync(HttpMethod.Post, "/api/v1/admin/broadcast", admin, new AdminBroadcastRequest("hello all")))
        using (var response = await Server.Client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(10)))
        {
            var delivered = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("delivered").GetInt32();
            Assert.True(delivered >= 1);
        }
        Assert.Equal("hello all", (await b.ExpectAsync(FrameType.Text)).Text);

        var offline = await Server.CreateUserAsync();
        using var toOffline = await AuthorizedAsync(HttpMethod.Post, "/api/v1/admin/messages", admin, new AdminMessageRequest(offline.Id, "x"));
        using var notFound = await Server.Client.SendAsync(toOffline).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(404, (int)notFound.StatusCode);
    }

    [Fact]
    public async Task TlsPortCarriesTheSameProtocol()
    {
        var pfx = Path.Combine(Path.GetTempPath(), "wecompany-tcp-" + Guid.NewGuid().ToString("N") + ".pfx");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "secret"));
        }
        try
        {
            await using var server = await CallsTestServer.StartAsync(new Dictionary<string, string?>
            {
                ["Tcp:TlsPort"] = "0",
                ["Tcp:CertificatePath"] = pfx,
                ["Tcp:CertificatePassword"] = "secret",
            });
            var alice = await server.CreateUserAsync();
            var bob = await server.CreateUserAsync();
            var options = new WeCompanyTcpClientOptions { UseTls = true, AllowUntrustedCertificate = true, TlsTargetHost = "localhost" };
            await using var a = await WeCompanyTcpClient.ConnectAsync("127.0.0.1", server.Tcp.TlsPort!.Value, options).WaitAsync(TimeSpan.FromSeconds(10));
            await a.RegisterAsync(alice.Id, alice.Token).WaitAsync(TimeSpan.FromSeconds(10));
            await using var b = await server.ConnectAsync(bob);
            var received = new TaskCompletionSource<TextMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            b.TextReceived += t => received.TrySetResult(t);
            await a.SendTextAsync(bob.Id, "over TLS").WaitAsync(TimeSpan.FromSeconds(10));
            var text = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("over TLS", text.Text);
            Assert.Equal(alice.Id, text.From);
        }
        finally
        {
            File.Delete(pfx);
        }
    }
}
