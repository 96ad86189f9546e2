using System.Net;
using Microsoft.Extensions.Options;
using WeCompany.Server.Tests.Meetings;

namespace WeCompany.Server.Tests.Http;

/// <summary>X-Forwarded-* from the gateway: believed from Http:TrustedProxies only.</summary>
public sealed class ForwardedHeadersTests
{
    private static async Task<string> WebsocketUrlOfAJoinAsync(TestServer server, string forwardedProto, string forwardedHost)
    {
        var host = await server.UserAsync();
        var meetingId = await host.CreateMeetingIdAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/meetings/{meetingId}/join")
        {
            Headers = { { "X-Forwarded-Proto", forwardedProto }, { "X-Forwarded-Host", forwardedHost }, { "X-Forwarded-For", "203.0.113.7" } },
        };
        var joined = await ApiAssert.SuccessAsync(await host.Client.SendAsync(request).WaitAsync(MeetingKit.Timeout));
        return joined.GetProperty("websocket_url").GetString()!;
    }

    [Fact]
    public async Task BehindATrustedGatewayTheJoinAnswersTheGatewaysPublicSchemeAndHost()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Http:TrustedProxies:0"] = "127.0.0.1" });
        Assert.Equal("wss://meet.example.com:8443/ws/signaling", await WebsocketUrlOfAJoinAsync(server, "https", "meet.example.com:8443"));
    }

    [Fact]
    public async Task ATrustedRangeInCidrNotationIsBelievedToo()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Http:TrustedProxies:0"] = "127.0.0.0/8" });
        Assert.Equal("wss://meet.example.com/ws/signaling", await WebsocketUrlOfAJoinAsync(server, "https", "meet.example.com"));
    }

    [Fact]
    public async Task WithNoTrustedProxyConfiguredForwardedHeadersAreIgnored()
    {
        await using var server = await TestServer.StartAsync();
        var url = await WebsocketUrlOfAJoinAsync(server, "https", "evil.example.com");
        Assert.Equal($"ws://{server.BaseAddress.Authority}/ws/signaling", url);
    }

    [Fact]
    public async Task ARequestFromOutsideTheTrustedRangesCannotChooseTheHost()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Http:TrustedProxies:0"] = "10.0.0.10",
            ["Http:TrustedProxies:1"] = "192.168.0.0/16",
        });
        var url = await WebsocketUrlOfAJoinAsync(server, "https", "evil.example.com");
        Assert.Equal($"ws://{server.BaseAddress.Authority}/ws/signaling", url);
    }

    [Fact]
    public async Task AnEntryThatIsNeitherAnAddressNorARangeStopsTheServerFromStarting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestServer.StartAsync(new Dictionary<string, string?> { ["Http:TrustedProxies:0"] = "gateway.example.com" }));
        Assert.Contains("gateway.example.com", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLoginThrottleCountsTheAddressTheGatewayReports()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Http:TrustedProxies:0"] = "127.0.0.1",
            ["Auth:MaxFailuresPerAddress"] = "3",
        });
        await server.RegisterAsync("walter");
        async Task<HttpStatusCode> LoginFromAsync(string address, string password)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/auth/login")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { username = "walter", password }),
                Headers = { { "X-Forwarded-For", address } },
            };
            return (await server.Client.SendAsync(request).WaitAsync(MeetingKit.Timeout)).StatusCode;
        }
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync("198.51.100.1", "WrongPass123!"));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync("198.51.100.1", "SecurePass123!"));
        Assert.Equal(HttpStatusCode.OK, await LoginFromAsync("198.51.100.2", "SecurePass123!"));
    }
}
