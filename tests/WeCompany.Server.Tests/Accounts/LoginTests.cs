using System.Net;
using System.Net.Http.Json;

namespace WeCompany.Server.Tests.Accounts;

public sealed class LoginTests
{
    private static HttpRequestMessage Login(string username, string password, string fromAddress) =>
        new(HttpMethod.Post, "api/v1/auth/login")
        {
            Content = JsonContent.Create(new { username, password }),
            // The tests' servers trust X-Forwarded-For from loopback (as from nginx beside them), to speak from many addresses.
            Headers = { { "X-Forwarded-For", fromAddress } },
        };

    // Http:TrustedProxies is empty by default (headers ignored); these servers trust the test itself as their gateway.
    private static Dictionary<string, string?> BehindLoopbackProxy(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Http:TrustedProxies:0"] = "127.0.0.1" };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task LoginAnswersTheSpecificationShape(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store, BehindLoopbackProxy());
        var user = await server.RegisterAsync("user123");
        var data = await ApiAssert.SuccessAsync(await server.Client.SendAsync(Login("USER123", "SecurePass123!", "10.0.0.1")));
        Assert.Equal(user.UserId, data.GetProperty("user_id").GetInt64());
        Assert.Equal("user123", data.GetProperty("username").GetString());
        Assert.Equal("user123@example.com", data.GetProperty("email").GetString());
        Assert.Equal(86400, data.GetProperty("expires_in").GetInt32());
        Assert.Equal(3, data.GetProperty("token").GetString()!.Split('.').Length);
        Assert.NotEqual(user.RefreshToken, data.GetProperty("refresh_token").GetString());
    }

    [Fact]
    public async Task UnknownUserAndWrongPasswordGetTheSameAnswer()
    {
        await using var server = await TestServer.StartAsync(BehindLoopbackProxy());
        await server.RegisterAsync("erin");
        var wrong = await ApiAssert.ErrorAsync(await server.Client.SendAsync(Login("erin", "WrongPass123!", "10.0.0.2")), HttpStatusCode.Unauthorized, 10001);
        var unknown = await ApiAssert.ErrorAsync(await server.Client.SendAsync(Login("nobody", "WrongPass123!", "10.0.0.3")), HttpStatusCode.Unauthorized, 10001);
        Assert.Equal(wrong.GetProperty("error").GetProperty("details").GetString(), unknown.GetProperty("error").GetProperty("details").GetString());
        Assert.Equal(wrong.GetProperty("message").GetString(), unknown.GetProperty("message").GetString());
    }

    [Fact]
    public async Task RepeatedFailuresOnOneAccountAreThrottledWith429AndRetryAfter()
    {
        await using var server = await TestServer.StartAsync(BehindLoopbackProxy(("Auth:MaxFailuresPerAccount", "5")));
        await server.RegisterAsync("frank");
        for (var i = 0; i < 5; i++)
        {
            await ApiAssert.ErrorAsync(await server.Client.SendAsync(Login("frank", "WrongPass123!", $"10.1.0.{i}")), HttpStatusCode.Unauthorized, 10001);
        }
        var throttled = await server.Client.SendAsync(Login("frank", "SecurePass123!", "10.1.1.1"));
        Assert.NotNull(throttled.Headers.RetryAfter?.Delta);
        Assert.True(throttled.Headers.RetryAfter!.Delta!.Value > TimeSpan.Zero);
        await ApiAssert.ErrorAsync(throttled, HttpStatusCode.TooManyRequests, 10008);
        // Others are not affected.
        await server.RegisterAsync("grace");
        await ApiAssert.SuccessAsync(await server.Client.SendAsync(Login("grace", "SecurePass123!", "10.1.1.1")));
    }

    [Fact]
    public async Task TheAccountThrottleSurvivesASuccessfulLoginFromAnotherAddress()
    {
        await using var server = await TestServer.StartAsync(BehindLoopbackProxy(("Auth:MaxFailuresPerAccount", "4")));
        await server.RegisterAsync("heidi");
        for (var i = 0; i < 3; i++)
        {
            await server.Client.SendAsync(Login("heidi", "WrongPass123!", "10.2.0.66"));
        }
        // The owner signs in from elsewhere; the attacker's count must not reset.
        await ApiAssert.SuccessAsync(await server.Client.SendAsync(Login("heidi", "SecurePass123!", "10.2.0.7")));
        await server.Client.SendAsync(Login("heidi", "WrongPass123!", "10.2.0.66"));
        await ApiAssert.ErrorAsync(await server.Client.SendAsync(Login("heidi", "WrongPass123!", "10.2.0.66")), HttpStatusCode.TooManyRequests, 10008);
    }

    [Fact]
    public async Task TenThousandRapidFailedLoginsAreThrottledWhileTheServerStillAnswersOthers()
    {
        await using var server = await TestServer.StartAsync(BehindLoopbackProxy());
        await server.RegisterAsync("ivan");
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<HttpStatusCode, int>();
        await Parallel.ForAsync(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var response = await server.Client.SendAsync(Login("ivan", "Wrong" + i, "10.3.0.1"), ct);
            statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
        }).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.TooManyRequests) >= 9_900, $"429s: {statuses.GetValueOrDefault(HttpStatusCode.TooManyRequests)}");
        Assert.Equal(10_000, statuses.Values.Sum());
        var other = await server.RegisterAsync("judy");
        await ApiAssert.SuccessAsync(await server.Client.SendAsync(Login("judy", "SecurePass123!", "10.3.0.2")));
        Assert.True(other.UserId > 0);
    }

    [Fact]
    public async Task MissingFieldsReturn400()
    {
        await using var server = await TestServer.StartAsync(BehindLoopbackProxy());
        await ApiAssert.ErrorAsync(await server.Client.PostAsJsonAsync("api/v1/auth/login", new { username = "x" }), HttpStatusCode.BadRequest, 90001);
        await ApiAssert.ErrorAsync(await server.Client.PostAsJsonAsync("api/v1/auth/login", new { password = "x" }), HttpStatusCode.BadRequest, 90001);
    }
}
