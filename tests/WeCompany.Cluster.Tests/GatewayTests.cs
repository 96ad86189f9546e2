using System.Net;
using System.Net.Http.Json;

namespace WeCompany.Cluster.Tests;

/// <summary>nginx in front of three nodes: HTTPS, spreading REST over the nodes, the auth rate limit.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GatewayTests(ClusterFixture cluster)
{
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
        for (var attempt = 0; attempt < 3 * ClusterFixture.NodeCount && other is null; attempt++)
        {
            using var login = await GatewayClient.LoginAsync(anonymous, user.Username, user.Password);
            var data = await ApiAssert.SuccessAsync(login);
            Assert.Equal(user.Id, data.GetProperty("user_id").GetInt64());
            var node = GatewayClient.NodeOf(login);
            if (node is not null && node != user.RegisteredOn)
            {
                other = node;
            }
        }
        Assert.True(other is not null, $"Every sign-in landed on {user.RegisteredOn}, where the user registered.");
        cluster.Node(other);
    }

    [Fact]
    public async Task ATokenIssuedByOneNodeIsAcceptedByEveryNode()
    {
        var user = await GatewayClient.RegisterAsync(cluster);
        var answered = new HashSet<string>();
        for (var attempt = 0; attempt < 5 * ClusterFixture.NodeCount && answered.Count < ClusterFixture.NodeCount; attempt++)
        {
            using var profile = await user.Client.GetAsync("api/v1/users/profile").WaitAsync(GatewayClient.Timeout);
            Assert.Equal(user.Username, (await ApiAssert.SuccessAsync(profile)).GetProperty("username").GetString());
            answered.Add(GatewayClient.NodeOf(profile) ?? "(no X-WeCompany-Node header)");
        }
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
