using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace WeCompany.Bench.Files;

/// <summary>
/// The baselines: minimal Kestrel endpoints that stream a PUT body to a file, and a file to a GET (Results.Stream with
/// range processing, as the server's download does), nothing else.
/// </summary>
internal sealed class PlainPutServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _folder;

    private PlainPutServer(WebApplication app, string folder, string url)
    {
        _app = app;
        _folder = folder;
        Url = url;
    }

    public string Url { get; }

    public static async Task<PlainPutServer> StartAsync(string folder, string download)
    {
        Directory.CreateDirectory(folder);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        app.MapPut("/put", async (HttpContext context) =>
        {
            await using var file = new FileStream(Path.Combine(folder, Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.Write, FileShare.None, 128 * 1024, FileOptions.Asynchronous);
            await context.Request.Body.CopyToAsync(file, 128 * 1024, context.RequestAborted);
            return Results.Ok();
        });
        app.MapGet("/get", () => Results.Stream(
            new FileStream(download, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan),
            "application/pdf", enableRangeProcessing: true));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PlainPutServer(app, folder, url);
    }

    public void Clear()
    {
        foreach (var file in Directory.EnumerateFiles(_folder))
        {
            File.Delete(file);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
