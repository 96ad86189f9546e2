using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace WeCompany.Server.Tests.Accounts;

public sealed class RegistrationTests
{
    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task RegisterAnswersTheUserAndATokenPairThatOpensTheProfile(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var response = await server.Client.PostAsJsonAsync("api/v1/auth/register",
            new { username = "user123", email = "user@example.com", password = "SecurePass123!", full_name = "张三" });
        var data = await ApiAssert.SuccessAsync(response);
        Assert.True(data.GetProperty("user_id").GetInt64() > 0);
        Assert.Equal("user123", data.GetProperty("username").GetString());
        Assert.Equal("user@example.com", data.GetProperty("email").GetString());
        Assert.Equal(86400, data.GetProperty("expires_in").GetInt32());
        Assert.False(string.IsNullOrEmpty(data.GetProperty("refresh_token").GetString()));

        using var client = server.ClientFor(data.GetProperty("token").GetString()!);
        var profile = await ApiAssert.SuccessAsync(await client.GetAsync("api/v1/users/profile"));
        Assert.Equal("张三", profile.GetProperty("full_name").GetString());
        Assert.EndsWith("Z", profile.GetProperty("created_at").GetString());
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task DuplicateUsernameInAnotherCaseReturns409With10003(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        await server.RegisterAsync("Alice");
        var response = await server.Client.PostAsJsonAsync("api/v1/auth/register",
            new { username = "aLICE", email = "other@example.com", password = "SecurePass123!" });
        await ApiAssert.ErrorAsync(response, HttpStatusCode.Conflict, 10003);
        await server.RegisterAsync("bob");
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task DuplicateEmailReturns409With10006(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        await server.Client.PostAsJsonAsync("api/v1/auth/register", new { username = "carol", email = "same@example.com", password = "SecurePass123!" });
        var response = await server.Client.PostAsJsonAsync("api/v1/auth/register",
            new { username = "dave", email = "SAME@example.com", password = "SecurePass123!" });
        await ApiAssert.ErrorAsync(response, HttpStatusCode.Conflict, 10006);
    }

    [Theory]
    [InlineData("""{"email":"a@example.com","password":"SecurePass123!"}""", "username is required")]
    [InlineData("""{"username":"","email":"a@example.com","password":"SecurePass123!"}""", "username is required")]
    [InlineData("""{"username":"ab","email":"a@example.com","password":"SecurePass123!"}""", "3 to 32")]
    [InlineData("""{"username":"abcdefghijklmnopqrstuvwxyz0123456","email":"a@example.com","password":"SecurePass123!"}""", "3 to 32")]
    [InlineData("""{"username":"bad name","email":"a@example.com","password":"SecurePass123!"}""", "letters, digits")]
    [InlineData("""{"username":"robert","email":"not-an-email","password":"SecurePass123!"}""", "email")]
    [InlineData("""{"username":"robert","password":"SecurePass123!"}""", "email is required")]
    [InlineData("""{"username":"robert","email":"a@example.com","password":"short"}""", "8 to 128")]
    [InlineData("""{"username":"robert","email":"a@example.com"}""", "password is required")]
    [InlineData("""{"username":"robert12","email":"a@example.com","password":"ROBERT12"}""", "must not equal the username")]
    public async Task InvalidFieldsReturn400With90001NamingTheField(string body, string expected)
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.PostAsync("api/v1/auth/register", new StringContent(body, Encoding.UTF8, "application/json"));
        var error = await ApiAssert.ErrorAsync(response, HttpStatusCode.BadRequest, 90001);
        Assert.Contains(expected, error.GetProperty("error").GetProperty("details").GetString(), StringComparison.Ordinal);
        await server.RegisterAsync();
    }

    [Fact]
    public async Task OverlongPasswordAndFullNameAreRefused()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.PostAsJsonAsync("api/v1/auth/register",
            new { username = "longpw", email = "l@example.com", password = new string('x', 129) });
        await ApiAssert.ErrorAsync(response, HttpStatusCode.BadRequest, 90001);
        response = await server.Client.PostAsJsonAsync("api/v1/auth/register",
            new { username = "longname", email = "l@example.com", password = "SecurePass123!", full_name = new string('n', 101) });
        await ApiAssert.ErrorAsync(response, HttpStatusCode.BadRequest, 90001);
    }

    [Theory]
    [InlineData("{\"username\":")]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"username\": 12345, \"email\":\"a@example.com\",\"password\":\"SecurePass123!\"}")]
    [InlineData("")]
    public async Task MalformedOrMistypedJsonReturns400With90002(string body)
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.PostAsync("api/v1/auth/register", new StringContent(body, Encoding.UTF8, "application/json"));
        await ApiAssert.ErrorAsync(response, HttpStatusCode.BadRequest, 90002);
        await server.RegisterAsync();
    }

    [Fact]
    public async Task WrongContentTypeReturns415With90003()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.PostAsync("api/v1/auth/register",
            new StringContent("""{"username":"x"}""", Encoding.UTF8, "text/plain"));
        await ApiAssert.ErrorAsync(response, HttpStatusCode.UnsupportedMediaType, 90003);
        await server.RegisterAsync();
    }

    [Fact]
    public async Task BodyOverTheSizeLimitReturns413With90004()
    {
        await using var server = await TestServer.StartAsync();
        var huge = "{\"username\":\"" + new string('a', 2 << 20) + "\"}";
        var response = await server.Client.PostAsync("api/v1/auth/register", new StringContent(huge, Encoding.UTF8, "application/json"));
        await ApiAssert.ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, 90004);
        await server.RegisterAsync();
    }

    [Fact]
    public async Task UnknownFieldsAreIgnored()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.PostAsJsonAsync("api/v1/auth/register",
            new { username = "extra", email = "extra@example.com", password = "SecurePass123!", is_admin = true, role = "root" });
        var data = await ApiAssert.SuccessAsync(response);
        Assert.Equal("extra", data.GetProperty("username").GetString());
    }

    [Fact]
    public async Task ScriptAndSqlTextIsStoredVerbatimAndReturnedEscaped()
    {
        await using var server = await TestServer.StartAsync();
        var name = "<script>alert('x')</script>'; DROP TABLE users; --";
        var response = await server.Client.PostAsJsonAsync("api/v1/auth/register",
            new { username = "mallory", email = "m@example.com", password = "SecurePass123!", full_name = name });
        var token = (await ApiAssert.SuccessAsync(response)).GetProperty("token").GetString()!;
        using var client = server.ClientFor(token);
        var raw = await (await client.GetAsync("api/v1/users/profile")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", raw, StringComparison.Ordinal);
        Assert.Contains("\\u003Cscript\\u003E", raw, StringComparison.Ordinal);
        var profile = await ApiAssert.SuccessAsync(await client.GetAsync("api/v1/users/profile"));
        Assert.Equal(name, profile.GetProperty("full_name").GetString());
        await server.RegisterAsync();
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task FirstRegisteredUserIsAdministratorAndTheSecondIsNot(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var first = await server.RegisterAsync();
        var second = await server.RegisterAsync();
        using var a = server.ClientFor(first.Token);
        using var b = server.ClientFor(second.Token);
        Assert.True((await ApiAssert.SuccessAsync(await a.GetAsync("api/v1/users/profile"))).GetProperty("is_admin").GetBoolean());
        Assert.False((await ApiAssert.SuccessAsync(await b.GetAsync("api/v1/users/profile"))).GetProperty("is_admin").GetBoolean());
    }
}
