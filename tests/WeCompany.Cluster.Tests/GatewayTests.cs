using System.Net;
using System.Net.Http.Json;

namespace WeCompany.Cluster.Tests;

/// <summary>nginx in front of three nodes: HTTPS, spreading REST over the nodes, the auth rate limit.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GatewayTests(ClusterFixture cluster)
{
    /// <summary>Repeats <paramref name="request"/> until it answers true; at most 20 s (nginx's fail_timeout is 10 s).</summary>
    private static async Task AnswersAsync(Func<Task<bool>> request, string what)
    {
        try
        {
            await Eventually.HoldsAsync(request, TimeSpan.FromSeconds(20), what);
        }
        catch (TimeoutException e)
        {
            Assert.Fail(e.Message);
        }
    }

    [Fact]
    public async Task PlainHttpIsRedirectedToHttps()
    {
        using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = GatewayClient.Timeout };
        using var response = await plain.GetAsync(new Uri($"http://127.0.0.1:{cluster.Gateway.HttpPort}/api/v1/ping")).WaitAsync(GatewayClient.Timeout);
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("https", response.Headers.Location?.Scheme);
        Assert.Equal("/api/v1/ping", response.Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task AUserRegisteredOnOneNodeSignsInThroughAnother()
    {
        var user = await GatewayClient.RegisterAsync(cluster);
        Assert.True(user.RegisteredOn is not null, "The registration answer names no node (X-WeCompany-Node).");
        using var anonymous = GatewayClient.Create(cluster);
        string? other = null;
        // nginx spreads requests; a node restarted by an earlier test rejoins the rotation within fail_timeout (10 s).
        await AnswersAsync(async () =>
        {
            using var login = await GatewayClient.LoginAsync(anonymous, user.Username, user.Password);
            var data = await ApiAssert.SuccessAsync(login);
            Assert.Equal(user.Id, data.GetProperty("user_id").GetInt64());
            var node = GatewayClient.NodeOf(login);
            other = node is not null && node != user.RegisteredOn ? node : other;
            return other is not null;
        }, $"a sign-in on another node than {user.RegisteredOn}, where the user registered");
        cluster.Node(other!);
    }

    [Fact]
    public async Task ATokenIssuedByOneNodeIsAcceptedByEveryNode()
    {
        var user = await GatewayClient.RegisterAsync(cluster);
        var answered = new HashSet<string>();
        await AnswersAsync(async () =>
        {
            using var profile = await user.Client.GetAsync("api/v1/users/profile").WaitAsync(GatewayClient.Timeout);
            Assert.Equal(user.Username, (await ApiAssert.SuccessAsync(profile)).GetProperty("username").GetString());
            answered.Add(GatewayClient.NodeOf(profile) ?? "(no X-WeCompany-Node header)");
            return answered.Count >= ClusterFixture.NodeCount;
        }, "the profile answered by every node");
        Assert.Equal(cluster.Nodes.Select(n => n.Id).Order(), answered.Order());
    }

    [Fact]
    public async Task BurstsOnTheAuthEndpointsAreCutWith429PerClientAddress()
    {
        using var anonymous = GatewayClient.Create(cluster);
        // Malformed bodies: the nodes answer 400 at once, so only nginx's limit can answer 429.
        async Task<HttpStatusCode> BadLoginAsync()
        {
            using var response = await anonymous.PostAsync("api/v1/auth/login", JsonContent.Create(new { username = "x" })).WaitAsync(GatewayClient.Timeout);
            return response.StatusCode;
        }
        var statuses = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => BadLoginAsync()));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Contains(HttpStatusCode.BadRequest, statuses);
        // Other paths are not limited.
        using var ping = await anonymous.GetAsync("api/v1/ping").WaitAsync(GatewayClient.Timeout);
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
    }
}
