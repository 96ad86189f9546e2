using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WeCompany.Server.Accounts;

namespace WeCompany.Server.Tests.Calls;

/// <summary>Waits for a condition instead of sleeping a fixed time.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting until " + what);
            await Task.Delay(20);
        }
    }
}

/// <summary>Tokens the REST API cannot hand out: signed with the server's key but issued in the past.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class TokenFactory
{
    public static string Expired(CallsTestServer server, TestUser user)
    {
        var options = server.Services.GetRequiredService<IOptions<AuthOptions>>();
        var past = new FixedTime(DateTimeOffset.UtcNow.AddDays(-30));
        var tokens = new TokenService(server.Services.GetRequiredService<JwtKeyProvider>(), options, past);
        return tokens.IssueAccessToken(new AuthenticatedUser(user.Id, user.Username, user.Username + "@example.com"));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
