namespace WeCompany.Browser.Tests;

// The same publisher setup twice in one run, first with the SFU's congestion feedback switched off, then on: what
// Chrome's bandwidth estimate and its video send rate become (figures for docs/benchmarks.md).
public sealed partial class SfuChromiumTests
{
    private const string VideoBytesSent = """
        async () => {
          let bytes = 0;
          (await window.pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') bytes += s.bytesSent; });
          return bytes;
        }
        """;

    [Fact]
    public async Task CongestionFeedbackLiftsThePublishersEstimateAboveWhatItReachesWithout()
    {
        var server = _sfu.MediaServer!;
        server.CongestionFeedback = false;
        var without = await MeasurePublisherAsync(1, 2, TimeSpan.FromSeconds(12), stopAt: double.MaxValue);

        server.CongestionFeedback = true;
        var with = await MeasurePublisherAsync(3, 4, TimeSpan.FromSeconds(25), stopAt: 900_000);

        _output.WriteLine($"without feedback: estimate {without.Estimate / 1000:N0} kbit/s, video sent {without.SendRate / 1000:N0} kbit/s over the last 4 s");
        _output.WriteLine($"with feedback:    estimate {with.Estimate / 1000:N0} kbit/s, video sent {with.SendRate / 1000:N0} kbit/s over the last 4 s");
        Assert.True(with.Estimate >= 600_000, $"With feedback the publisher's estimate stayed at {with.Estimate / 1000:N0} kbit/s.");
        Assert.True(with.Estimate > without.Estimate * 1.5,
            $"Feedback made no difference: {with.Estimate / 1000:N0} kbit/s with, {without.Estimate / 1000:N0} kbit/s without.");
    }

    // Publisher and viewer pages; polls the publisher's availableOutgoingBitrate until stopAt or the time is up,
    // then its video send rate over 4 s. Both pages leave afterwards.
    private async Task<(double Estimate, double SendRate)> MeasurePublisherAsync(long publisherId, long viewerId, TimeSpan limit, double stopAt)
    {
        var publisher = await JoinAsync(publisherId, publish: true);
        var viewer = await JoinAsync(viewerId, publish: false);
        await WaitForStatsAsync(viewer, s => BrowserParticipant.ReceivesFrom(s, publisher.PeerId, audio: false));

        var best = 0.0;
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline && best < stopAt)
        {
            best = Math.Max(best, await publisher.Page.EvaluateAsync<double>("() => window.availableOutgoingBitrate()"));
            await Task.Delay(500);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var before = await publisher.Page.EvaluateAsync<double>(VideoBytesSent);
        while (clock.Elapsed < TimeSpan.FromSeconds(4))
        {
            await Task.Delay(250);
        }

        var after = await publisher.Page.EvaluateAsync<double>(VideoBytesSent);
        var rate = (after - before) * 8 / clock.Elapsed.TotalSeconds;
        await LeaveAsync(viewer);
        await LeaveAsync(publisher);
        return (best, rate);
    }
}
