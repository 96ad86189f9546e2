using Xunit.Abstractions;

namespace WeCompany.Browser.Tests;

// A second, independent WebRTC stack through the SFU: Debian's aiortc publishes a generated video track and
// subscribes to a Chromium page's camera, both joining one meeting through REST and the signaling socket.
// facts.md: aiortc never offers 127.0.0.1, so scripts/test-browser.sh gives the namespace's loopback 127.0.0.2 too.
[Trait("Category", "Browser")]
public sealed class AiortcInteropTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private ProductServer _server = null!;
    private Chromium _chromium = null!;
    private Uri _base = null!;

    public AiortcInteropTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _server = await ProductServer.StartAsync("aiortc");
        _base = _server.BaseAddress;
        _chromium = _server.Chromium;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AiortcAndChromiumEachDecodeTheOthersVideoThroughTheSfu()
    {
        var suffix = Environment.TickCount64 % 100000;
        var host = await _server.RegisterAsync($"chrome{suffix}");
        var python = await _server.RegisterAsync($"aiortc{suffix}");
        var meeting = await _server.CreateMeetingAsync(host.Token, "aiortc interop");

        var page = await _chromium.NewPageOnAsync(_base);
        var chrome = new BrowserParticipant(page, host.UserId, $"peer-{host.UserId}");
        await page.EvaluateAsync("([token, userId, meetingId, peerId]) => window.joinMeeting(token, userId, meetingId, peerId, true)",
            new object[] { host.Token, host.UserId, meeting.MeetingId, chrome.PeerId });
        // Connected means the SFU answered the page's offer: its camera is a track of the room.
        await chrome.WaitForAsync(s => s.State == "connected", "the page did not connect to the SFU");

        await using var aiortc = AiortcPeer.Start();
        var join = await _server.JoinAsync(python.Token, meeting.MeetingId);
        var aiortcPeerId = $"aiortc-{python.UserId}";
        await aiortc.ConnectAsync(WebSocketUri(join.WebsocketUrl), join.SessionToken, meeting.MeetingId, python.UserId, aiortcPeerId);
        // aiortc 1.4 cannot roll back its own offer, so it publishes once it has answered the SFU's offer of the page's tracks.
        await aiortc.FirstOfferAnswered.WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None)
            .ContinueWith(t => Assert.True(t.IsCompletedSuccessfully, "aiortc never answered the SFU's offer:\n" + aiortc.Log), TaskScheduler.Default);
        await aiortc.PublishAsync();

        // Chromium decodes aiortc's generated 320x240 video, and keeps decoding.
        var first = await chrome.WaitForAsync(s => BrowserParticipant.ReceivesFrom(s, aiortcPeerId, audio: false), "Chromium did not decode aiortc's video", aiortc.Log);
        var firstFrames = BrowserParticipant.FramesFrom(first, aiortcPeerId);
        var later = await chrome.WaitForAsync(s => BrowserParticipant.FramesFrom(s, aiortcPeerId) > firstFrames + 30, "Chromium's frames from aiortc stopped", aiortc.Log);
        Assert.Contains(later.Tracks, t => t.Kind == "video" && t.TrackIdentifier.StartsWith(aiortcPeerId + "-", StringComparison.Ordinal) && t.FrameWidth == 320);

        // aiortc decodes the page's 640x480 camera, and keeps decoding.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (aiortc.FramesReceived < 60 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        _output.WriteLine($"aiortc: {aiortc.ConnectionState}, {aiortc.FramesReceived} frames of width {aiortc.FrameWidth} from Chromium; " +
            $"Chromium: {BrowserParticipant.FramesFrom(later, aiortcPeerId)} frames from aiortc");
        Assert.True(aiortc.FramesReceived >= 60, $"aiortc decoded {aiortc.FramesReceived} frames from Chromium:\n{aiortc.Log}");
        Assert.Equal(640, aiortc.FrameWidth);
        Assert.Empty(await page.EvaluateAsync<object[]>("() => window.errors"));
    }

    private Uri WebSocketUri(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var absolute) ? absolute
        : new Uri(new Uri(_base.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), url);
}
