namespace WeCompany.Browser.Tests;

// ICE over TCP: a page that is told only the SFU's TCP passive candidate (as behind a firewall that drops UDP)
// connects over an RFC 4571-framed stream to the media port's number and exchanges media with a UDP page.
public sealed partial class SfuChromiumTests
{
    // The webrtc-stats protocol of the local candidate of the page's selected pair.
    private const string SelectedProtocol = """
        async () => {
          const report = await window.pc.getStats();
          let protocol = '';
          report.forEach((s) => {
            if (s.type === 'transport' && s.selectedCandidatePairId) {
              const pair = report.get(s.selectedCandidatePairId);
              protocol = report.get(pair.localCandidateId).protocol;
            }
          });
          return protocol;
        }
        """;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, bool> _tcpOnly = new();

    [Fact]
    public async Task PageWithOnlyTheTcpCandidateExchangesMediaOverIceTcp()
    {
        var udp = await JoinAsync(1, publish: true);
        _tcpOnly[2] = true;
        var tcp = await JoinAsync(2, publish: true);

        await WaitForStatsAsync(tcp, s => BrowserParticipant.ReceivesFrom(s, udp.PeerId));
        var received = await WaitForStatsAsync(udp, s => BrowserParticipant.ReceivesFrom(s, tcp.PeerId));
        await WaitForStatsAsync(udp, s => BrowserParticipant.FramesFrom(s, tcp.PeerId) > BrowserParticipant.FramesFrom(received, tcp.PeerId) + 30);

        Assert.Equal("tcp", await tcp.Page.EvaluateAsync<string>(SelectedProtocol));
        Assert.Equal("udp", await udp.Page.EvaluateAsync<string>(SelectedProtocol));
        Assert.True(_sfu.MediaServer!.TcpConnectionCount >= 1);
    }

    private static string WithoutUdpCandidates(string sdp) =>
        string.Join("\r\n", sdp.Split("\r\n").Where(line => !(line.StartsWith("a=candidate:", StringComparison.Ordinal) && line.Contains(" udp ", StringComparison.OrdinalIgnoreCase))));
}
