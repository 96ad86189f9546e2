using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace WeCompany.Server.Tests.Http;

public sealed class HttpContractTests
{
    [Fact]
    public async Task UnknownRouteAndWrongMethodAnswerTheErrorEnvelope()
    {
        await using var server = await TestServer.StartAsync();
        await ApiAssert.ErrorAsync(await server.Client.GetAsync("api/v1/nothing-here"), HttpStatusCode.NotFound, 90005);
        await ApiAssert.ErrorAsync(await server.Client.DeleteAsync("api/v1/auth/login"), HttpStatusCode.MethodNotAllowed, 90006);
        await ApiAssert.SuccessAsync(await server.Client.GetAsync("api/v1/ping"));
    }

    [Fact]
    public async Task HealthReadinessAndMetricsAnswer()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("readyz")).StatusCode);
        await server.Client.GetAsync("api/v1/ping");
        var metrics = await server.Client.GetStringAsync("metrics");
        Assert.Contains("http_requests_total{method=\"GET\",route=\"/api/v1/ping\",status=\"200\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/ping\",status=\"200\",le=\"+Inf\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("process_resident_memory_bytes", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApiDocumentDescribesTheEndpointsAndBothEnvelopes()
    {
        await using var server = await TestServer.StartAsync();
        var document = JsonDocument.Parse(await server.Client.GetStringAsync("openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/users/profile", "/api/v1/users/password" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
        var schemas = document.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("ApiErrorResponse", schemas);
        Assert.Contains(schemas, s => s.StartsWith("ApiResponseOf", StringComparison.Ordinal));
        var docs = await server.Client.GetAsync("docs/index.html");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("swagger", await docs.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SecurityHeadersAreOnEveryAnswer()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.GetAsync("api/v1/ping");
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        var error = await server.Client.GetAsync("api/v1/missing");
        Assert.Equal("nosniff", error.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task ResponsesAreCompressedWhenTheClientAsks()
    {
        await using var server = await TestServer.StartAsync();
        foreach (var encoding in new[] { "br", "gzip" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "openapi/v1.json");
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
            var response = await server.Client.SendAsync(request);
            Assert.Equal(encoding, response.Content.Headers.ContentEncoding.Single());
        }
    }

    [Fact]
    public async Task CacheableGetsCarryAnETagAndAnswer304WhenItMatches()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.RegisterAsync();
        using var client = server.ClientFor(user.Token);
        var first = await client.GetAsync("api/v1/users/profile");
        var tag = first.Headers.ETag;
        Assert.NotNull(tag);
        using var again = new HttpRequestMessage(HttpMethod.Get, "api/v1/users/profile");
        again.Headers.IfNoneMatch.Add(tag!);
        var second = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task CorsAllowsOnlyConfiguredOrigins()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Http:AllowedOrigins:0"] = "https://app.example.com" });
        async Task<HttpResponseMessage> Preflight(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, "api/v1/auth/login");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            return await server.Client.SendAsync(request);
        }
        var allowed = await Preflight("https://app.example.com");
        Assert.Equal("https://app.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var refused = await Preflight("https://evil.example.com");
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
