using System.Net.Http.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;

namespace WeCompany.Browser.Tests;

// The whole product: a real server (REST, signaling, SFU) and headless Chromium pages that register, join one
// meeting through REST, talk SDP over the signaling socket and receive each other's media.
[Trait("Category", "Browser")]
public sealed class ServerChromiumTests : IAsyncLifetime
{
    private ProductServer _server = null!;
    private HttpClient _http = null!;
    private Chromium _chromium = null!;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        _server = await ProductServer.StartAsync("browser");
        _base = _server.BaseAddress;
        _http = _server.Http;
        _chromium = _server.Chromium;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ThreePagesJoinThroughRestAndSignalingAndEachReceivesTheOtherTwo()
    {
        var users = new List<AuthResult>();
        for (var i = 0; i < 3; i++)
        {
            users.Add(await RegisterAsync($"page{i}x{Environment.TickCount64 % 100000}"));
        }

        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/meetings")
        {
            Content = JsonContent.Create(new CreateMeetingRequest("SFU browser test", null, null, 60, 10, false, null), options: WireJson.Options),
        };
        create.Headers.Authorization = new("Bearer", users[0].Token);
        using var created = await _http.SendAsync(create);
        created.EnsureSuccessStatusCode();
        var meeting = (await created.Content.ReadFromJsonAsync<ApiResponse<MeetingDetails>>(WireJson.Options))!.Data;

        var pages = new List<(BrowserParticipant Participant, string PeerId)>();
        foreach (var user in users)
        {
            var page = await _chromium.NewPageOnAsync(_base);
            var peerId = $"peer-{user.UserId}";
            await page.EvaluateAsync("([token, userId, meetingId, peerId]) => window.joinMeeting(token, userId, meetingId, peerId, true)",
                new object[] { user.Token, user.UserId, meeting.MeetingId, peerId });
            pages.Add((new BrowserParticipant(page, user.UserId, peerId), peerId));
        }

        foreach (var (participant, peerId) in pages)
        {
            var others = pages.Where(p => p.PeerId != peerId).Select(p => p.PeerId).ToList();
            var first = await WaitForStatsAsync(participant, s => others.All(o => BrowserParticipant.ReceivesFrom(s, o)));
            await WaitForStatsAsync(participant, s => others.All(o => BrowserParticipant.FramesFrom(s, o) > BrowserParticipant.FramesFrom(first, o)));
            Assert.Empty(await participant.Page.EvaluateAsync<object[]>("() => window.errors"));
        }
    }

    private async Task<AuthResult> RegisterAsync(string name)
    {
        using var response = await _http.PostAsJsonAsync("/api/v1/auth/register",
            new RegisterRequest(name, name + "@example.test", "correct-horse-battery", name), WireJson.Options);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ApiResponse<AuthResult>>(WireJson.Options))!.Data;
    }

    private static async Task<PageStats> WaitForStatsAsync(BrowserParticipant participant, Func<PageStats, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        PageStats stats;
        do
        {
            stats = await participant.StatsAsync();
            if (condition(stats))
            {
                return stats;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        var errors = await participant.Page.EvaluateAsync<string>("() => JSON.stringify(window.errors)");
        Assert.Fail($"{participant.PeerId} did not receive the others within 30 s: {System.Text.Json.JsonSerializer.Serialize(stats)} errors {errors}");
        return stats;
    }
}
