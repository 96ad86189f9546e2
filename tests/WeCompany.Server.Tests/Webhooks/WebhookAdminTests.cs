using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Tests.Meetings;

namespace WeCompany.Server.Tests.Webhooks;

/// <summary>The administrators' endpoints: who may use them, what they refuse, what they answer.</summary>
public sealed class WebhookAdminTests
{
    [Fact]
    public async Task ANonAdministratorGets403OnEveryWebhookRoute()
    {
        await using var server = await TestServer.StartAsync(WebhookKit.Settings(allowPrivate: false));
        var admin = await server.AdminAsync();
        var hook = await admin.RegisterWebhookAsync("https://hooks.example.com/wecompany");
        var user = await server.UserAsync();
        var body = MeetingKit.Json(new { url = "https://hooks.example.com/other", events = new[] { "*" } });
        HttpRequestMessage[] requests =
        [
            new(HttpMethod.Post, "api/v1/admin/webhooks") { Content = body },
            new(HttpMethod.Get, "api/v1/admin/webhooks"),
            new(HttpMethod.Get, $"api/v1/admin/webhooks/{hook.Id}"),
            new(HttpMethod.Put, $"api/v1/admin/webhooks/{hook.Id}") { Content = MeetingKit.Json(new { enabled = false }) },
            new(HttpMethod.Delete, $"api/v1/admin/webhooks/{hook.Id}"),
            new(HttpMethod.Post, $"api/v1/admin/webhooks/{hook.Id}/rotate-secret"),
            new(HttpMethod.Get, $"api/v1/admin/webhooks/{hook.Id}/deliveries"),
        ];
        foreach (var request in requests)
        {
            var what = $"{request.Method} {request.RequestUri}";
            var response = await user.Client.SendAsync(request).WaitAsync(MeetingKit.Timeout);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{what} answered {(int)response.StatusCode}");
            await ApiAssert.ErrorAsync(response, HttpStatusCode.Forbidden, ErrorCodes.NotAdministrator);
        }
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        await ApiAssert.ErrorAsync(await anonymous.GetAsync("api/v1/admin/webhooks").WaitAsync(MeetingKit.Timeout), HttpStatusCode.Unauthorized, ErrorCodes.TokenMissing);
        // Nothing changed: the endpoint is still there, enabled, with its secret.
        var view = await ApiAssert.SuccessAsync(await admin.Client.GetAsync($"api/v1/admin/webhooks/{hook.Id}").WaitAsync(MeetingKit.Timeout));
        Assert.True(view.GetProperty("enabled").GetBoolean());
    }

    [Theory]
    [InlineData("ftp://hooks.example.com/x")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/relative/path")]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://user:secret@hooks.example.com/x")]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://127.8.9.10/hook")]
    [InlineData("http://localhost:8080/hook")]
    [InlineData("http://api.localhost/hook")]
    [InlineData("http://[::1]:8080/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://172.20.0.1/hook")]
    [InlineData("http://192.168.1.1/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://2130706433/hook")]
    public async Task UrlsThatAreNotHttpOrPointAtPrivateTargetsAreRefusedWith80002(string url)
    {
        await using var server = await TestServer.StartAsync(WebhookKit.Settings(allowPrivate: false));
        var admin = await server.AdminAsync();
        var response = await admin.Client.PostAsJsonAsync("api/v1/admin/webhooks", new { url, events = new[] { "*" } }).WaitAsync(MeetingKit.Timeout);
        await ApiAssert.ErrorAsync(response, HttpStatusCode.BadRequest, ErrorCodes.WebhookUrlRejected);
        // The server keeps serving, and nothing was registered.
        var list = await ApiAssert.SuccessAsync(await admin.Client.GetAsync("api/v1/admin/webhooks").WaitAsync(MeetingKit.Timeout));
        Assert.Empty(list.GetProperty("webhooks").EnumerateArray());
    }

    [Fact]
    public async Task BadSecretsEventFiltersAndIdsGetTheirDocumentedErrors()
    {
        await using var server = await TestServer.StartAsync(WebhookKit.Settings(allowPrivate: false));
        var admin = await server.AdminAsync();
        const string url = "https://hooks.example.com/x";
        async Task ExpectAsync(object body, int code)
        {
            var response = await admin.Client.PostAsJsonAsync("api/v1/admin/webhooks", body).WaitAsync(MeetingKit.Timeout);
            await ApiAssert.ErrorAsync(response, HttpStatusCode.BadRequest, code);
        }
        await ExpectAsync(new { url, secret = "too-short", events = new[] { "*" } }, ErrorCodes.WebhookSecretRejected);
        await ExpectAsync(new { url, secret = new string('x', 257), events = new[] { "*" } }, ErrorCodes.WebhookSecretRejected);
        await ExpectAsync(new { url, secret = "twenty-four-characters\n!", events = new[] { "*" } }, ErrorCodes.WebhookSecretRejected);
        await ExpectAsync(new { url, events = new[] { "meeting.exploded" } }, ErrorCodes.WebhookUnknownEvent);
        await ExpectAsync(new { url, events = new[] { "meeting.created", "*" } }, ErrorCodes.WebhookUnknownEvent);
        await ExpectAsync(new { url, events = Array.Empty<string>() }, ErrorCodes.ValidationFailed);
        await ExpectAsync(new { url }, ErrorCodes.ValidationFailed);
        await ExpectAsync(new { url, events = new[] { "*" }, description = new string('d', 201) }, ErrorCodes.ValidationFailed);
        await ExpectAsync(new { url = "https://hooks.example.com/" + new string('p', 2048), events = new[] { "*" } }, ErrorCodes.WebhookUrlRejected);

        var hook = await admin.RegisterWebhookAsync(url, "meeting.created");
        await ApiAssert.ErrorAsync(await admin.Client.PutAsJsonAsync($"api/v1/admin/webhooks/{hook.Id}", new { events = new[] { "nope" } }).WaitAsync(MeetingKit.Timeout),
            HttpStatusCode.BadRequest, ErrorCodes.WebhookUnknownEvent);
        await ApiAssert.ErrorAsync(await admin.Client.PutAsJsonAsync($"api/v1/admin/webhooks/{hook.Id}", new { url = "http://10.0.0.1/" }).WaitAsync(MeetingKit.Timeout),
            HttpStatusCode.BadRequest, ErrorCodes.WebhookUrlRejected);
        await ApiAssert.ErrorAsync(await admin.Client.PutAsJsonAsync($"api/v1/admin/webhooks/{hook.Id}", new { secret = new string('s', 30) }).WaitAsync(MeetingKit.Timeout),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        await ApiAssert.ErrorAsync(await admin.PostAsync($"api/v1/admin/webhooks/{hook.Id}/rotate-secret", new { secret = "short" }),
            HttpStatusCode.BadRequest, ErrorCodes.WebhookSecretRejected);
        await ApiAssert.ErrorAsync(await admin.Client.GetAsync($"api/v1/admin/webhooks/{hook.Id}/deliveries?limit=0").WaitAsync(MeetingKit.Timeout),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        await ApiAssert.ErrorAsync(await admin.Client.GetAsync($"api/v1/admin/webhooks/{hook.Id}/deliveries?limit=abc").WaitAsync(MeetingKit.Timeout),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        await ApiAssert.ErrorAsync(await admin.Client.GetAsync("api/v1/admin/webhooks/999999").WaitAsync(MeetingKit.Timeout),
            HttpStatusCode.NotFound, ErrorCodes.WebhookNotFound);
        await ApiAssert.ErrorAsync(await admin.PostAsync("api/v1/admin/webhooks/999999/rotate-secret"),
            HttpStatusCode.NotFound, ErrorCodes.WebhookNotFound);
        await ApiAssert.ErrorAsync(await admin.Client.GetAsync("api/v1/admin/webhooks/abc").WaitAsync(MeetingKit.Timeout),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        // The endpoint is unchanged by the refused changes.
        var view = await ApiAssert.SuccessAsync(await admin.Client.GetAsync($"api/v1/admin/webhooks/{hook.Id}").WaitAsync(MeetingKit.Timeout));
        Assert.Equal(url, view.GetProperty("url").GetString());
        Assert.Equal(["meeting.created"], view.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task RegisteringAnswersTheSecretOnceAndListingNeverShowsIt()
    {
        await using var server = await TestServer.StartAsync(WebhookKit.Settings(allowPrivate: false));
        var admin = await server.AdminAsync();
        var given = await ApiAssert.SuccessAsync(await admin.Client.PostAsJsonAsync("api/v1/admin/webhooks",
            new { url = "https://hooks.example.com/a", secret = "my-own-secret-that-is-long-enough", events = new[] { "participant.joined", "participant.joined", "meeting.ended" }, description = "CRM" })
            .WaitAsync(MeetingKit.Timeout), HttpStatusCode.Created);
        Assert.Equal("my-own-secret-that-is-long-enough", given.GetProperty("secret").GetString());
        Assert.Equal(["participant.joined", "meeting.ended"], given.GetProperty("webhook").GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        var generated = await admin.RegisterWebhookAsync("https://hooks.example.com/b");
        Assert.StartsWith("whsec_", generated.Secret, StringComparison.Ordinal);
        Assert.True(generated.Secret.Length >= 40);

        var response = await admin.Client.GetAsync("api/v1/admin/webhooks").WaitAsync(MeetingKit.Timeout);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("my-own-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain(generated.Secret, text, StringComparison.Ordinal);
        var list = JsonDocument.Parse(text).RootElement.GetProperty("data").GetProperty("webhooks").EnumerateArray().ToList();
        Assert.Equal(2, list.Count);
        Assert.Equal("CRM", list[0].GetProperty("description").GetString());
        Assert.Equal(admin.Id, list[0].GetProperty("created_by").GetInt64());
        Assert.Equal(["*"], list[1].GetProperty("events").EnumerateArray().Select(e => e.GetString()));
    }
}
