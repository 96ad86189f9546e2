using System.Net;
using System.Net.Http.Json;

namespace WeCompany.Server.Tests.Accounts;

public sealed class RefreshAndProfileTests
{
    private static Task<HttpResponseMessage> Refresh(TestServer server, string token) =>
        server.Client.PostAsJsonAsync("api/v1/auth/refresh", new { refresh_token = token });

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task RefreshRotatesAndASpentTokenRevokesItsWholeFamily(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var user = await server.RegisterAsync();
        var next = await ApiAssert.SuccessAsync(await Refresh(server, user.RefreshToken));
        var nextRefresh = next.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(user.RefreshToken, nextRefresh);
        Assert.Equal(86400, next.GetProperty("expires_in").GetInt32());
        using (var client = server.ClientFor(next.GetProperty("token").GetString()!))
        {
            await ApiAssert.SuccessAsync(await client.GetAsync("api/v1/users/profile"));
        }

        // The first token is spent: presenting it again is theft or replay.
        await ApiAssert.ErrorAsync(await Refresh(server, user.RefreshToken), HttpStatusCode.Unauthorized, 10007);
        // ... and the family is gone, including the token that had not been used yet.
        await ApiAssert.ErrorAsync(await Refresh(server, nextRefresh), HttpStatusCode.Unauthorized, 10007);
    }

    [Fact]
    public async Task TwoRacingUsesOfOneRefreshTokenYieldExactlyOneSuccess()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.RegisterAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Refresh(server, user.RefreshToken))).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    public async Task UnknownOrEmptyRefreshTokenIsRefused(string token)
    {
        await using var server = await TestServer.StartAsync();
        var response = await Refresh(server, token);
        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest);
        Assert.Contains((await ApiAssert.ErrorAsync(response, response.StatusCode, token.Length == 0 ? 90001 : 10007)).GetProperty("error").GetProperty("code").GetInt32(), new[] { 90001, 10007 });
    }

    [Fact]
    public async Task LogoutRevokesTheRefreshTokenFamily()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.RegisterAsync();
        using var client = server.ClientFor(user.Token);
        await ApiAssert.SuccessAsync(await client.PostAsJsonAsync("api/v1/auth/logout", new { refresh_token = user.RefreshToken }));
        await ApiAssert.ErrorAsync(await Refresh(server, user.RefreshToken), HttpStatusCode.Unauthorized, 10007);
    }

    [Fact]
    public async Task PasswordChangeRevokesRefreshTokensAndTheNewPasswordSignsIn()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.RegisterAsync("pwchange");
        using var client = server.ClientFor(user.Token);
        await ApiAssert.ErrorAsync(await client.PutAsJsonAsync("api/v1/users/password", new { current_password = "WrongOne123!", new_password = "BrandNew123!" }), HttpStatusCode.Unauthorized, 10001);
        await ApiAssert.ErrorAsync(await client.PutAsJsonAsync("api/v1/users/password", new { current_password = "SecurePass123!", new_password = "short" }), HttpStatusCode.BadRequest, 90001);
        await ApiAssert.SuccessAsync(await client.PutAsJsonAsync("api/v1/users/password", new { current_password = "SecurePass123!", new_password = "BrandNew123!" }));
        await ApiAssert.ErrorAsync(await Refresh(server, user.RefreshToken), HttpStatusCode.Unauthorized, 10007);
        await ApiAssert.ErrorAsync(await server.Client.PostAsJsonAsync("api/v1/auth/login", new { username = "pwchange", password = "SecurePass123!" }), HttpStatusCode.Unauthorized, 10001);
        await ApiAssert.SuccessAsync(await server.Client.PostAsJsonAsync("api/v1/auth/login", new { username = "pwchange", password = "BrandNew123!" }));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ProfileUpdateChangesTheFieldsAndRefusesATakenEmail(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var user = await server.RegisterAsync("kate");
        var other = await server.RegisterAsync("leo");
        using var client = server.ClientFor(user.Token);
        var updated = await ApiAssert.SuccessAsync(await client.PutAsJsonAsync("api/v1/users/profile",
            new { full_name = "Kate K", email = "kate.new@example.com", avatar_url = "https://cdn.example.com/a.jpg" }));
        Assert.Equal("Kate K", updated.GetProperty("full_name").GetString());
        Assert.Equal("kate.new@example.com", updated.GetProperty("email").GetString());
        Assert.Equal("https://cdn.example.com/a.jpg", updated.GetProperty("avatar_url").GetString());

        await ApiAssert.ErrorAsync(await client.PutAsJsonAsync("api/v1/users/profile", new { email = "LEO@example.com" }), HttpStatusCode.Conflict, 10006);
        await ApiAssert.ErrorAsync(await client.PutAsJsonAsync("api/v1/users/profile", new { avatar_url = "javascript:alert(1)" }), HttpStatusCode.BadRequest, 90001);
        await ApiAssert.ErrorAsync(await client.PutAsJsonAsync("api/v1/users/profile", new { email = "nope" }), HttpStatusCode.BadRequest, 90001);
        var profile = await ApiAssert.SuccessAsync(await client.GetAsync("api/v1/users/profile"));
        Assert.Equal("kate.new@example.com", profile.GetProperty("email").GetString());
        Assert.True(other.UserId > 0);
    }
}
