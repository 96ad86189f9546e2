using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WeCompany.Server.Tests.Accounts;

public sealed class TokenTests
{
    private static string Forge(byte[] key, long userId, DateTime issuedAt, DateTime expires, DateTime? notBefore = null, string issuer = "meeting-system")
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            IssuedAt = issuedAt,
            NotBefore = notBefore ?? issuedAt,
            Expires = expires,
            Claims = new Dictionary<string, object> { ["user_id"] = userId, ["username"] = "x", ["sub"] = userId.ToString(System.Globalization.CultureInfo.InvariantCulture), ["token_use"] = "access" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
    }

    private static byte[] ServerKey(TestServer server) =>
        Convert.FromBase64String(File.ReadAllText(Path.Combine(server.DataDir, "jwt.key")).Trim());

    private static async Task<HttpResponseMessage> ProfileWith(TestServer server, string authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/users/profile");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await server.Client.SendAsync(request);
    }

    [Fact]
    public async Task TheTokenCarriesTheSpecificationClaims()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.RegisterAsync("claims");
        var token = new JsonWebToken(user.Token);
        Assert.Equal("HS256", token.Alg);
        Assert.Equal("meeting-system", token.Issuer);
        Assert.Equal(user.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), token.Subject);
        Assert.Equal(user.UserId, token.GetPayloadValue<long>("user_id"));
        Assert.Equal("claims", token.GetPayloadValue<string>("username"));
        Assert.Equal("claims@example.com", token.GetPayloadValue<string>("email"));
        Assert.Equal(86400, (token.ValidTo - token.IssuedAt).TotalSeconds, 1);
        Assert.Equal(token.IssuedAt, token.ValidFrom);
    }

    [Fact]
    public async Task ExpiredTokenReturns401With10005()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.RegisterAsync();
        var now = DateTime.UtcNow;
        var expired = Forge(ServerKey(server), user.UserId, now.AddHours(-3), now.AddHours(-2));
        await ApiAssert.ErrorAsync(await ProfileWith(server, "Bearer " + expired), HttpStatusCode.Unauthorized, 10005);
        await ApiAssert.SuccessAsync(await ProfileWith(server, "Bearer " + user.Token));
    }

    [Fact]
    public async Task TokensWithAnotherKeyAnotherIssuerOrNotYetValidReturn401With10004()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.RegisterAsync();
        var now = DateTime.UtcNow;
        var otherKey = Forge(Encoding.UTF8.GetBytes(new string('k', 64)), user.UserId, now, now.AddHours(1));
        var otherIssuer = Forge(ServerKey(server), user.UserId, now, now.AddHours(1), issuer: "someone-else");
        var notYet = Forge(ServerKey(server), user.UserId, now, now.AddHours(3), notBefore: now.AddHours(2));
        foreach (var token in new[] { otherKey, otherIssuer, notYet })
        {
            await ApiAssert.ErrorAsync(await ProfileWith(server, "Bearer " + token), HttpStatusCode.Unauthorized, 10004);
        }
        await ApiAssert.SuccessAsync(await ProfileWith(server, "Bearer " + user.Token));
    }

    [Fact]
    public async Task AlgNoneTokenReturns401With10004()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.RegisterAsync();
        var parts = user.Token.Split('.');
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        await ApiAssert.ErrorAsync(await ProfileWith(server, $"Bearer {header}.{parts[1]}."), HttpStatusCode.Unauthorized, 10004);
        await ApiAssert.ErrorAsync(await ProfileWith(server, $"Bearer {header}.{parts[1]}.{parts[2]}"), HttpStatusCode.Unauthorized, 10004);
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer")]
    [InlineData("Bearer not.a.token")]
    [InlineData("Bearer garbage-garbage-garbage")]
    [InlineData("Token abc")]
    public async Task MalformedAuthorizationHeadersReturn401With10004(string header)
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.RegisterAsync();
        await ApiAssert.ErrorAsync(await ProfileWith(server, header), HttpStatusCode.Unauthorized, 10004);
        await ApiAssert.SuccessAsync(await ProfileWith(server, "Bearer " + user.Token));
    }

    [Fact]
    public async Task NoTokenReturns401With10011AndAChallenge()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.GetAsync("api/v1/users/profile");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        await ApiAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, 10011);
    }

    [Fact]
    public async Task TheSigningKeyIsGeneratedOnceWithMode0600AndSurvivesARestart()
    {
        var dataDir = Directory.CreateTempSubdirectory("wecompany-key-").FullName;
        var settings = new Dictionary<string, string?> { ["Storage:DataDir"] = dataDir };
        string token;
        await using (var first = await TestServer.StartAsync(settings))
        {
            token = (await first.RegisterAsync()).Token;
        }
        var mode = File.GetUnixFileMode(Path.Combine(dataDir, "jwt.key"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        await using var second = await TestServer.StartAsync(settings);
        using var client = second.ClientFor(token);
        await ApiAssert.SuccessAsync(await client.GetAsync("api/v1/users/profile"));
    }

    [Fact]
    public async Task AConfiguredKeyShorterThan32BytesRefusesToStart()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestServer.StartAsync(new Dictionary<string, string?> { ["Auth:JwtKey"] = "short" }));
        Assert.Contains("32 bytes", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessTokenInAQueryStringDoesNotAuthenticateRest()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.RegisterAsync();
        await ApiAssert.ErrorAsync(await server.Client.GetAsync("api/v1/users/profile?token=" + user.Token), HttpStatusCode.Unauthorized, 10011);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        await ApiAssert.SuccessAsync(await client.GetAsync("api/v1/users/profile"));
        _ = JsonContent.Create(new { });
    }
}
