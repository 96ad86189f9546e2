using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WeCompany.Server.Sfu;

namespace WeCompany.Browser.Tests;

// Headless Chromium pages meet through the SFU: the test carries their SDP to SfuService and back, as signaling
// does. Run inside a loopback-only network namespace (scripts/test-browser.sh).
[Trait("Category", "Browser")]
public sealed class SfuChromiumTests : IAsyncLifetime, ISfuSignalSender
{
    private const long Meeting = 7;
    private readonly List<BrowserParticipant> _participants = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private SfuService _sfu = null!;
    private Chromium _chromium = null!;

    public async Task InitializeAsync()
    {
        var options = new MediaOptions { Port = 0, BindAddress = "127.0.0.1", PublicAddresses = ["127.0.0.1"] };
        _sfu = new SfuService(Options.Create(options), this, TimeProvider.System, NullLogger<SfuService>.Instance);
        await _sfu.StartAsync(CancellationToken.None);
        _chromium = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_pumps).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _chromium.DisposeAsync();
        await _sfu.DisposeAsync();
    }

    [Fact]
    public async Task ThreePagesEachReceiveTheOtherTwosVideoAndAudio()
    {
        for (var i = 1; i <= 3; i++)
        {
            await JoinAsync(i, publish: true);
        }

        foreach (var participant in _participants)
        {
            var others = _participants.Where(p => p != participant).Select(p => p.PeerId).ToList();
            var first = await WaitForStatsAsync(participant, s => others.All(o => BrowserParticipant.ReceivesFrom(s, o)));
            Assert.All(others, o => Assert.Contains(o, first.Streams));
            // Frames keep coming: framesDecoded increases for every remote video.
            await WaitForStatsAsync(participant, s => others.All(o => BrowserParticipant.FramesFrom(s, o) > BrowserParticipant.FramesFrom(first, o)));
        }
    }

    private async Task<BrowserParticipant> JoinAsync(long userId, bool publish)
    {
        var page = await _chromium.NewPageAsync();
        var participant = new BrowserParticipant(page, userId, $"peer-{userId}");
        _participants.Add(participant);
        _pumps.Add(PumpAsync(participant));
        await page.EvaluateAsync("publish => window.start(publish)", publish);
        await _sfu.PeerJoinedAsync(Meeting, userId, participant.PeerId, CancellationToken.None);
        return participant;
    }

    // Carries the page's outbox to the SFU and the SFU's messages to the page, in order, until the test ends.
    private async Task PumpAsync(BrowserParticipant participant)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                while (participant.Inbox.Reader.TryRead(out var message))
                {
                    await participant.Page.EvaluateAsync("([type, sdp]) => window.handle(type, sdp)", new object[] { message.Type, message.Sdp });
                }

                var outbox = await participant.Page.EvaluateAsync<JsonElement>("() => window.outbox.splice(0)");
                foreach (var item in outbox.EnumerateArray())
                {
                    var type = item.GetProperty("type").GetInt32();
                    var result = type switch
                    {
                        1 => await _sfu.HandleOfferAsync(Meeting, participant.UserId, participant.PeerId, item.GetProperty("sdp").GetString()!, true, _stop.Token),
                        2 => await _sfu.HandleAnswerAsync(Meeting, participant.UserId, participant.PeerId, item.GetProperty("sdp").GetString()!, _stop.Token),
                        _ => _sfu.HandleCandidate(item.GetProperty("candidate").GetString()),
                    };
                    Assert.Equal(SfuResult.Accepted, result);
                }

                await Task.Delay(20, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Microsoft.Playwright.PlaywrightException) when (_stop.IsCancellationRequested)
            {
                return;
            }
        }
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

        Assert.Fail($"{participant.PeerId} did not see what was expected within 30 s: {JsonSerializer.Serialize(stats)}");
        return stats;
    }

    bool ISfuSignalSender.SendToUser(long meetingId, long userId, int type, object payload)
    {
        var participant = _participants.Find(p => p.UserId == userId);
        return participant is not null && payload is SfuSdpPayload sdp && participant.Inbox.Writer.TryWrite((type, sdp.Sdp));
    }

    void ISfuSignalSender.Broadcast(long meetingId, int type, object payload)
    {
        // Media-control notices (active speaker) are not part of this test.
    }
}
