using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Playwright;

namespace WeCompany.Browser.Tests;

/// <summary>What one page's getStats() says about one received track.</summary>
internal sealed record InboundTrack(string Kind, long Ssrc, long FramesDecoded, long FrameWidth, double TotalAudioEnergy, long PacketsReceived, string TrackIdentifier);

internal sealed record PageStats(IReadOnlyList<InboundTrack> Tracks, IReadOnlyList<string> Streams, string State);

/// <summary>One browser page in a meeting: its identity, and the stats it reports about remote media.</summary>
internal sealed class BrowserParticipant
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public BrowserParticipant(IPage page, long userId, string peerId)
    {
        Page = page;
        UserId = userId;
        PeerId = peerId;
    }

    public IPage Page { get; }

    public long UserId { get; }

    public string PeerId { get; }

    /// <summary>Messages from the SFU waiting to be applied to the page (type, SDP).</summary>
    public Channel<(int Type, string Sdp)> Inbox { get; } = Channel.CreateUnbounded<(int, string)>();

    public async Task<PageStats> StatsAsync()
    {
        var json = await Page.EvaluateAsync<string>("() => window.stats()");
        return JsonSerializer.Deserialize<PageStats>(json, Json)!;
    }

    /// <summary>
    /// Polls the page's stats until <paramref name="condition"/> holds; fails after 30 s with <paramref name="failure"/>,
    /// the last stats, the page's errors and <paramref name="log"/> (another peer's output, when there is one).
    /// </summary>
    public async Task<PageStats> WaitForAsync(Func<PageStats, bool> condition, string failure, string? log = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        PageStats stats;
        do
        {
            stats = await StatsAsync();
            if (condition(stats))
            {
                return stats;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        var errors = await Page.EvaluateAsync<string>("() => JSON.stringify(window.errors)");
        Assert.Fail($"{failure} within 30 s: {JsonSerializer.Serialize(stats)} errors {errors}\n{log}");
        return stats;
    }

    /// <summary>Whether every other publisher's video decodes with a size and its audio has energy.</summary>
    public static bool ReceivesFrom(PageStats stats, string publisherPeerId, bool audio = true) =>
        stats.Tracks.Any(t => t.Kind == "video" && t.TrackIdentifier.StartsWith(publisherPeerId + "-", StringComparison.Ordinal) && t.FramesDecoded > 0 && t.FrameWidth > 0)
        && (!audio || stats.Tracks.Any(t => t.Kind == "audio" && t.TrackIdentifier.StartsWith(publisherPeerId + "-", StringComparison.Ordinal) && t.TotalAudioEnergy > 0));

    public static long FramesFrom(PageStats stats, string publisherPeerId) =>
        stats.Tracks.Where(t => t.Kind == "video" && t.TrackIdentifier.StartsWith(publisherPeerId + "-", StringComparison.Ordinal)).Sum(t => t.FramesDecoded);

    public static double AudioEnergyFrom(PageStats stats, string publisherPeerId) =>
        stats.Tracks.Where(t => t.Kind == "audio" && t.TrackIdentifier.StartsWith(publisherPeerId + "-", StringComparison.Ordinal)).Sum(t => t.TotalAudioEnergy);
}
