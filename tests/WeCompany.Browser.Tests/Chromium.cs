using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Playwright;

namespace WeCompany.Browser.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download: <c>ExecutablePath</c>), with the flags of
/// architecture.md, and a tiny loopback HTTP listener serving <see cref="MeetingPage"/> (localhost is a
/// secure context, so getUserMedia works).
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
    ];

    private readonly IPlaywright _playwright;
    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private Chromium(IPlaywright playwright, IBrowser browser, HttpListener listener, string pageUrl)
    {
        _playwright = playwright;
        Browser = browser;
        _listener = listener;
        PageUrl = pageUrl;
        _serving = ServeAsync();
    }

    public IBrowser Browser { get; }

    public string PageUrl { get; }

    public static async Task<Chromium> LaunchAsync()
    {
        Assert.True(File.Exists(ExecutablePath), "These tests need Debian's chromium: apt-get install -y chromium");
        // facts.md: outside a loopback-only namespace Chromium checks from the host's address and ICE fails.
        var outside = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.NetworkInterfaceType != System.Net.NetworkInformation.NetworkInterfaceType.Loopback
                && n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .Select(n => n.Name).ToList();
        Assert.True(outside.Count == 0, $"Run the browser tests through scripts/test-browser.sh (a loopback-only namespace); interfaces up: {string.Join(", ", outside)}");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Flags,
            Timeout = 30_000,
        });
        var port = FreePort();
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        return new Chromium(playwright, browser, listener, $"http://127.0.0.1:{port}/meeting.html");
    }

    public async Task<IPage> NewPageAsync()
    {
        // One context per participant: separate media devices and storage, as separate people would have.
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Permissions = ["camera", "microphone"] });
        var page = await context.NewPageAsync();
        await page.GotoAsync(PageUrl);
        return page;
    }

    /// <summary>A page on <paramref name="origin"/> (the real server, so REST and the socket are same-origin) running <see cref="MeetingPage"/>.</summary>
    public async Task<IPage> NewPageOnAsync(Uri origin)
    {
        // The server's Content-Security-Policy forbids inline scripts (rightly); the test page is one.
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Permissions = ["camera", "microphone"], BypassCSP = true });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(origin, "/healthz").ToString());
        await page.SetContentAsync(MeetingPage.Html);
        return page;
    }

    private async Task ServeAsync()
    {
        var body = Encoding.UTF8.GetBytes(MeetingPage.Html);
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        await _serving.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Browser.CloseAsync();
        _playwright.Dispose();
        _stop.Dispose();
    }
}
