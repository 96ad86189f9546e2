using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Text.Json;

namespace WeCompany.Cluster.Tests.Infrastructure;

/// <summary>A registered user talking to the cluster through nginx over HTTPS.</summary>
public sealed record ClusterUser(long Id, string Username, string Password, string Token, HttpClient Client, string? RegisteredOn);

/// <summary>What a user does through the gateway, over HTTPS with the gateway's self-signed certificate.</summary>
public static class GatewayClient
{
    /// <summary>The header every node puts on every answer (the cluster's contract).</summary>
    public const string NodeHeader = "X-WeCompany-Node";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>A client of the gateway that trusts its certificate and no other.</summary>
    public static HttpClient Create(ClusterFixture cluster, string? token = null)
    {
        var expected = cluster.Gateway.Certificate.GetCertHashString();
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == expected,
            },
            AllowAutoRedirect = false,
        };
        var client = new HttpClient(handler) { BaseAddress = cluster.Gateway.BaseAddress, Timeout = Timeout };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    /// <summary>The node that answered, from <see cref="NodeHeader"/>; null when the answer has none.</summary>
    public static string? NodeOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues(NodeHeader, out var values) ? values.FirstOrDefault() : null;

    public static async Task<ClusterUser> RegisterAsync(ClusterFixture cluster, string password = "SecurePass123!")
    {
        var username = "c" + Guid.NewGuid().ToString("N")[..12];
        using var anonymous = Create(cluster);
        using var response = await PastTheAuthLimitAsync(() => anonymous.PostAsJsonAsync("api/v1/auth/register",
            new { username, email = username + "@example.com", password, full_name = "User " + username }));
        var data = await ApiAssert.SuccessAsync(response);
        var token = data.GetProperty("token").GetString()!;
        return new ClusterUser(data.GetProperty("user_id").GetInt64(), username, password, token, Create(cluster, token), NodeOf(response));
    }

    public static Task<HttpResponseMessage> LoginAsync(HttpClient anonymous, string username, string password) =>
        PastTheAuthLimitAsync(() => anonymous.PostAsJsonAsync("api/v1/auth/login", new { username, password }));

    /// <summary>
    /// Sends an auth request as a polite client does: on nginx's 429 (the per-address limit, which every test
    /// shares because all come from 127.0.0.1) it tries again a little later, for at most 15 s.
    /// </summary>
    public static async Task<HttpResponseMessage> PastTheAuthLimitAsync(Func<Task<HttpResponseMessage>> send)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (true)
        {
            var response = await send().WaitAsync(Timeout);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || deadline.IsCancellationRequested)
            {
                return response;
            }
            response.Dispose();
            await tick.WaitForNextTickAsync(CancellationToken.None);
        }
    }

    /// <summary>Creates a meeting (the user hosts it) and answers its id.</summary>
    public static async Task<long> CreateMeetingAsync(this ClusterUser host)
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(5).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        using var response = await host.Client.PostAsJsonAsync("api/v1/meetings", new
        {
            title = "集群测试",
            start_time = start,
            duration = 60,
            max_participants = 20,
            is_public = true,
        }).WaitAsync(Timeout);
        return (await ApiAssert.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("meeting_id").GetInt64();
    }

    /// <summary>POST /join (idempotent): answers the join data (websocket_url, ice_servers, session_token).</summary>
    public static async Task<JsonElement> JoinAsync(this ClusterUser user, long meetingId)
    {
        using var response = await user.Client.PostAsync($"api/v1/meetings/{meetingId}/join", null).WaitAsync(Timeout);
        return await ApiAssert.SuccessAsync(response);
    }

    /// <summary>Every chat message of the meeting the user may see, from the store (all pages).</summary>
    public static async Task<List<JsonElement>> ChatHistoryAsync(this ClusterUser user, long meetingId)
    {
        var messages = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            using var response = await user.Client.GetAsync($"api/v1/meetings/{meetingId}/messages?after_seq={after}&limit=200").WaitAsync(Timeout);
            var page = await ApiAssert.SuccessAsync(response);
            messages.AddRange(page.GetProperty("messages").EnumerateArray().Select(m => m.Clone()));
            after = page.GetProperty("next_after_seq").GetInt64();
            if (!page.GetProperty("has_more").GetBoolean())
            {
                return messages;
            }
        }
    }
}
