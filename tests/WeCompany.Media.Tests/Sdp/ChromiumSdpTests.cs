using System.Diagnostics;
using System.Net;
using System.Text.Json;
using WeCompany.Media.Ice;
using WeCompany.Media.Rtp;
using WeCompany.Media.Sdp;

namespace WeCompany.Media.Tests.Sdp;

// Debian's headless Chromium judges our SDP: its real offer goes through our parser and answer
// builder, and it must accept the answer; it must also answer the server's own offer.
[Trait("Category", "RealPeer")]
public sealed class ChromiumSdpTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _folder = Directory.CreateTempSubdirectory("wecompany-chromium-sdp-").FullName;

    private static readonly SdpLocalTransport Transport = new()
    {
        IceCredentials = IceCredentials.Generate(),
        Fingerprint = new SdpFingerprint("sha-256", string.Join(':', Enumerable.Range(0, 32).Select(i => (i * 7).ToString("X2", System.Globalization.CultureInfo.InvariantCulture)))),
        Candidates = [SdpCandidate.HostUdp(IPAddress.Parse("192.0.2.1"), 7880), SdpCandidate.HostTcpPassive(IPAddress.Parse("192.0.2.1"), 7881)],
    };

    // Two sendrecv transceivers (audio, video): the same m-lines, mids and payload types on every run.
    private const string MakeOffer = """
        const pc = new RTCPeerConnection();
        pc.addTransceiver('audio', {direction: 'sendrecv'});
        pc.addTransceiver('video', {direction: 'sendrecv'});
        await pc.setLocalDescription(await pc.createOffer());
        """;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // The page reports by POSTing to the test's own listener: --dump-dom with a virtual time budget
    // does not wait for WebRTC's work on other threads, so it raced.
    private async Task<string> RunPageAsync(string name, string script)
    {
        Assert.True(File.Exists(Chromium), "This test needs Debian's chromium: apt-get install -y chromium");
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var page = $$"""
            <html><body><script>
            const report = text => fetch('/result', {method: 'POST', body: text});
            (async () => {
              try {
            {{script}}
              } catch (e) { await report('ERROR ' + e); }
            })();
            </script></body></html>
            """;
        using var cancel = new CancellationTokenSource(Timeout);
        var serving = ServeAsync(listener, page, cancel.Token);

        var start = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            $"--user-data-dir={Path.Combine(_folder, "profile-" + name)}", $"http://127.0.0.1:{port}/",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var browser = Process.Start(start)!;
        _ = browser.StandardOutput.ReadToEndAsync(cancel.Token);
        _ = browser.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            var text = await serving.WaitAsync(Timeout);
            Assert.False(text.StartsWith("ERROR", StringComparison.Ordinal), text);
            return text;
        }
        finally
        {
            browser.Kill(entireProcessTree: true);
            await browser.WaitForExitAsync(CancellationToken.None).WaitAsync(Timeout);
            listener.Stop();
        }
    }

    // Serves the page on GET and returns the body of the first POST.
    private static async Task<string> ServeAsync(HttpListener listener, string page, CancellationToken cancellationToken)
    {
        while (true)
        {
            var context = await listener.GetContextAsync().WaitAsync(cancellationToken);
            if (context.Request.HttpMethod == "POST")
            {
                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync(cancellationToken);
                context.Response.StatusCode = 204;
                context.Response.Close();
                return body;
            }

            var bytes = System.Text.Encoding.UTF8.GetBytes(page);
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.OutputStream.WriteAsync(bytes, cancellationToken);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Out(string expression) => $"await report({expression});";

    [Fact]
    public async Task ChromiumAcceptsOurAnswerToItsOwnOffer()
    {
        var offerText = await RunPageAsync("offer", MakeOffer + Out("pc.localDescription.sdp"));
        Assert.True(SdpParser.TryParse(offerText, out var offer, out var parseError), parseError?.Message);
        Assert.True(SdpAnswerBuilder.TryBuildText(offer, new SdpAnswerOptions { Transport = Transport, AllowH264 = true, AllowVp9 = true }, out var answer, out var error), error?.Message);

        var result = await RunPageAsync("answer", MakeOffer + $$"""
            await pc.setRemoteDescription({type: 'answer', sdp: {{JsonSerializer.Serialize(answer)}}});
            const lines = pc.getTransceivers().map(t => t.mid + ' ' + t.currentDirection + ' ' +
              t.sender.getParameters().codecs.map(c => c.mimeType).join(','));
            """ + Out("'OK\\n' + lines.join('\\n') + '\\n' + pc.remoteDescription.sdp.includes('a=ice-lite')"));

        var lines = result.Split('\n');
        Assert.Equal("OK", lines[0]);
        Assert.StartsWith("0 sendrecv audio/opus", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("1 sendrecv video/VP8", lines[2], StringComparison.Ordinal);
        Assert.Contains("video/rtx", lines[2], StringComparison.Ordinal);
        Assert.Equal("true", lines[3]);
        var video = offer.FindByMid("1")!;
        Assert.Contains(video.Codecs, c => c.Name == "VP8" && c.RtcpFeedback.Contains("nack pli"));
        Assert.NotEqual(0, video.GetExtensionId(RtpExtensionUris.TransportWideCc));
    }

    [Fact]
    public async Task ChromiumAnswersTheServersOfferAsActiveReceiver()
    {
        var opus = new SdpCodec(111, "opus", 48000, 2) { Fmtp = "minptime=10;useinbandfec=1" };
        opus.RtcpFeedback.Add("transport-cc");
        var vp8 = new SdpCodec(96, "VP8", 90000);
        vp8.RtcpFeedback.AddRange(["nack", "nack pli", "ccm fir", "transport-cc", "goog-remb"]);
        var offer = SdpOfferBuilder.BuildText(Transport,
        [
            new SdpOfferMedia
            {
                Mid = "0", Kind = "audio", Codecs = [opus],
                Extmaps = [new SdpExtmap(1, RtpExtensionUris.AudioLevel), new SdpExtmap(3, RtpExtensionUris.TransportWideCc), new SdpExtmap(4, RtpExtensionUris.Mid)],
                Source = new SdpMediaSource(11111, null, "sfu", "alice", "alice-mic"),
            },
            new SdpOfferMedia
            {
                Mid = "1", Kind = "video", Codecs = [vp8, new SdpCodec(97, "rtx", 90000) { Fmtp = "apt=96" }],
                Extmaps = [new SdpExtmap(2, RtpExtensionUris.AbsSendTime), new SdpExtmap(3, RtpExtensionUris.TransportWideCc), new SdpExtmap(4, RtpExtensionUris.Mid)],
                Source = new SdpMediaSource(22222, 22223, "sfu", "alice", "alice-cam"),
            },
        ]);

        var answerText = await RunPageAsync("subscribe", $$"""
            const pc = new RTCPeerConnection();
            const streams = [];
            pc.ontrack = e => streams.push(e.streams[0].id + '/' + e.track.id);
            await pc.setRemoteDescription({type: 'offer', sdp: {{JsonSerializer.Serialize(offer)}}});
            await pc.setLocalDescription(await pc.createAnswer());
            """ + Out("streams.join(' ') + '\\n' + pc.localDescription.sdp"));

        var firstBreak = answerText.IndexOf('\n', StringComparison.Ordinal);
        Assert.Equal("alice/alice-mic alice/alice-cam", answerText[..firstBreak]);
        Assert.True(SdpParser.TryParse(answerText[(firstBreak + 1)..], out var answer, out var error), error?.Message);
        Assert.Equal(["0", "1"], answer.BundleMids);
        Assert.All(answer.Media, m => Assert.Equal(SdpSetup.Active, m.Setup));
        Assert.All(answer.Media, m => Assert.Equal(SdpDirection.RecvOnly, m.Direction));
        Assert.Equal([96, 97], answer.FindByMid("1")!.Codecs.Select(c => c.PayloadType));
        Assert.Contains("nack pli", answer.FindByMid("1")!.Codecs[0].RtcpFeedback);
    }
}
