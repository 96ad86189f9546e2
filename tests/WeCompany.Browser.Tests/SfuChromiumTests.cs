using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WeCompany.Server.Sfu;
using Xunit.Abstractions;

namespace WeCompany.Browser.Tests;

// Headless Chromium pages meet through the SFU: the test carries their SDP to SfuService and back, as signaling
// does. Run inside a loopback-only network namespace (scripts/test-browser.sh).
[Trait("Category", "Browser")]
public sealed partial class SfuChromiumTests : IAsyncLifetime, ISfuSignalSender
{
    private const long Meeting = 7;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, BrowserParticipant> _participants = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly ITestOutputHelper _output;
    private SfuService _sfu = null!;
    private Chromium _chromium = null!;

    public SfuChromiumTests(ITestOutputHelper output) => _output = output;

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

        foreach (var participant in _participants.Values)
        {
            var others = _participants.Values.Where(p => p != participant).Select(p => p.PeerId).ToList();
            var first = await WaitForStatsAsync(participant, s => others.All(o => BrowserParticipant.ReceivesFrom(s, o)));
            Assert.All(others, o => Assert.Contains(o, first.Streams));
            // Frames keep coming: framesDecoded increases for every remote video.
            await WaitForStatsAsync(participant, s => others.All(o => BrowserParticipant.FramesFrom(s, o) > BrowserParticipant.FramesFrom(first, o)));
        }
    }

    [Fact]
    public async Task LateJoinersShowVideoQuickly()
    {
        var publisher = await JoinAsync(1, publish: true);
        var times = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var viewer = await JoinAsync(100 + i, publish: false);
            var joined = clock.Elapsed.TotalMilliseconds;
            await WaitForStatsAsync(viewer, s => s.State == "connected", pollMilliseconds: 20);
            var connected = clock.Elapsed.TotalMilliseconds;
            await WaitForStatsAsync(viewer, s => BrowserParticipant.FramesFrom(s, publisher.PeerId) > 0, pollMilliseconds: 20);
            times.Add(clock.Elapsed.TotalMilliseconds);
            _output.WriteLine($"join {i}: page ready {joined:N0} ms, connected {connected:N0} ms, first frame {times[^1]:N0} ms");
            await LeaveAsync(viewer);
        }

        times.Sort();
        var p50 = times[times.Count / 2];
        var p99 = times[^1];
        _output.WriteLine($"join → first remote frame decoded over {times.Count} joins: p50 {p50:N0} ms, p99 {p99:N0} ms");
        // What a user notices: every late joiner sees the publisher's video. The timing figures are reported
        // (docs/benchmarks.md), not asserted: this machine's timings vary 2x with load. 10 s means broken.
        Assert.Equal(20, times.Count);
        Assert.True(p99 < 10_000, $"a late joiner waited {p99:N0} ms for video");
    }

    [Fact]
    public async Task ScreenShareReplacingTheCameraReachesTheOthers()
    {
        var sharer = await JoinAsync(1, publish: true);
        var viewer = await JoinAsync(2, publish: true);
        await WaitForStatsAsync(viewer, s => BrowserParticipant.ReceivesFrom(s, sharer.PeerId));

        await sharer.Page.EvaluateAsync("() => window.shareCanvas()");

        var before = await viewer.StatsAsync();
        await WaitForStatsAsync(viewer, s => s.Tracks.Any(t => t.Kind == "video" && t.TrackIdentifier.StartsWith(sharer.PeerId + "-", StringComparison.Ordinal) && t.FrameWidth == 320)
            && BrowserParticipant.FramesFrom(s, sharer.PeerId) > BrowserParticipant.FramesFrom(before, sharer.PeerId) + 10);
    }

    [Fact]
    public async Task HostMuteStopsAPagesAudioAtTheOthersWhileItKeepsSending()
    {
        var speaker = await JoinAsync(1, publish: true);
        var listener = await JoinAsync(2, publish: true);
        await WaitForStatsAsync(listener, s => BrowserParticipant.ReceivesFrom(s, speaker.PeerId));

        _sfu.SetAudioMuted(Meeting, speaker.UserId, muted: true);
        var droppedBefore = _sfu.MediaServer!.Counters.MutedDropsTotal;
        // Once the SFU has dropped ten of the speaker's packets (≈ 200 ms of Opus), what it forwarded before the
        // mute has long reached the listener over loopback.
        await WaitUntilAsync(() => _sfu.MediaServer.Counters.MutedDropsTotal > droppedBefore + 10);
        var muted = await listener.StatsAsync();
        // The speaker's client still sends: the SFU counts the audio it drops.
        await WaitUntilAsync(() => _sfu.MediaServer.Counters.MutedDropsTotal > droppedBefore + 50);
        var later = await listener.StatsAsync();
        Assert.Equal(AudioPackets(muted, speaker.PeerId), AudioPackets(later, speaker.PeerId));

        _sfu.SetAudioMuted(Meeting, speaker.UserId, muted: false);
        await WaitForStatsAsync(listener, s => AudioPackets(s, speaker.PeerId) > AudioPackets(later, speaker.PeerId) + 20);
    }

    [Fact]
    public async Task PublisherRampsUpPastItsStartRateWithTheSfusCongestionFeedback()
    {
        var publisher = await JoinAsync(1, publish: true);
        var viewer = await JoinAsync(2, publish: false);
        await WaitForStatsAsync(viewer, s => BrowserParticipant.ReceivesFrom(s, publisher.PeerId, audio: false));

        // facts.md: without transport-cc feedback Chrome's estimate stays near 300 kbit/s. The fake camera's simple
        // picture needs few bits and an application-limited sender's estimate grows slowly (it reached ≈900 kbit/s
        // in 25 s here), so twice the start rate is the proof that the feedback works.
        var best = 0.0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(25);
        while (DateTime.UtcNow < deadline && best < 600_000)
        {
            best = Math.Max(best, await publisher.Page.EvaluateAsync<double>("() => window.availableOutgoingBitrate()"));
            await Task.Delay(500);
        }

        _output.WriteLine($"publisher's outgoing bandwidth estimate reached {best / 1000:N0} kbit/s");
        Assert.True(best >= 600_000, $"The publisher's estimate stayed at {best / 1000:N0} kbit/s.");
    }

    private static long AudioPackets(PageStats stats, string peerId) =>
        stats.Tracks.Where(t => t.Kind == "audio" && t.TrackIdentifier.StartsWith(peerId + "-", StringComparison.Ordinal)).Sum(t => t.PacketsReceived);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 30 s.");
            await Task.Delay(50);
        }
    }

    private async Task LeaveAsync(BrowserParticipant participant)
    {
        _participants.TryRemove(participant.UserId, out _);
        await participant.Page.Context.CloseAsync();
        await _sfu.PeerLeftAsync(Meeting, participant.UserId, participant.PeerId, CancellationToken.None);
    }

    private async Task<BrowserParticipant> JoinAsync(long userId, bool publish)
    {
        var page = await _chromium.NewPageAsync();
        var participant = new BrowserParticipant(page, userId, $"peer-{userId}");
        _participants[userId] = participant;
        _pumps.Add(PumpAsync(participant));
        await page.EvaluateAsync("publish => window.start(publish)", publish);
        await _sfu.PeerJoinedAsync(Meeting, userId, participant.PeerId, CancellationToken.None);
        return participant;
    }

    // Carries the page's outbox to the SFU and the SFU's messages to the page, in order, until the test ends.
    private async Task PumpAsync(BrowserParticipant participant)
    {
        while (!_stop.IsCancellationRequested && _participants.ContainsKey(participant.UserId))
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
            catch (Microsoft.Playwright.PlaywrightException) when (_stop.IsCancellationRequested || !_participants.ContainsKey(participant.UserId))
            {
                return;
            }
        }
    }

    private static async Task<PageStats> WaitForStatsAsync(BrowserParticipant participant, Func<PageStats, bool> condition, int pollMilliseconds = 200)
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

            await Task.Delay(pollMilliseconds);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{participant.PeerId} did not see what was expected within 30 s: {JsonSerializer.Serialize(stats)}");
        return stats;
    }

    bool ISfuSignalSender.SendToUser(long meetingId, long userId, int type, object payload)
    {
        return _participants.TryGetValue(userId, out var participant) && payload is SfuSdpPayload sdp && participant.Inbox.Writer.TryWrite((type, _tcpOnly.ContainsKey(userId) ? WithoutUdpCandidates(sdp.Sdp) : sdp.Sdp));
    }

    void ISfuSignalSender.Broadcast(long meetingId, int type, object payload)
    {
        // Media-control notices (active speaker) are not part of this test.
    }
}
