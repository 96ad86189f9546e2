using WeCompany.Protocol.Rest;

namespace WeCompany.Browser.Tests;

// The whole product: a real server (REST, signaling, SFU) and headless Chromium pages that register, join one
// meeting through REST, talk SDP over the signaling socket and receive each other's media.
[Trait("Category", "Browser")]
public sealed class ServerChromiumTests : IAsyncLifetime
{
    private ProductServer _server = null!;
    private Chromium _chromium = null!;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        _server = await ProductServer.StartAsync("browser");
        _base = _server.BaseAddress;
        _chromium = _server.Chromium;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ThreePagesJoinThroughRestAndSignalingAndEachReceivesTheOtherTwo()
    {
        var users = new List<AuthResult>();
        for (var i = 0; i < 3; i++)
        {
            users.Add(await _server.RegisterAsync($"page{i}x{Environment.TickCount64 % 100000}"));
        }

        var meeting = await _server.CreateMeetingAsync(users[0].Token, "SFU browser test");

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
            var first = await participant.WaitForAsync(s => others.All(o => BrowserParticipant.ReceivesFrom(s, o)), $"{peerId} did not receive the others");
            await participant.WaitForAsync(s => others.All(o => BrowserParticipant.FramesFrom(s, o) > BrowserParticipant.FramesFrom(first, o)), $"{peerId} did not receive the others");
            Assert.Empty(await participant.Page.EvaluateAsync<object[]>("() => window.errors"));
        }
    }
}
