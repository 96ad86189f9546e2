using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace WeCompany.Server.Http;

/// <summary>
/// Serves the browser client (web/ built into wwwroot): hashed assets cached for a year, index.html for
/// every page route (/, /join/ABC-DEF-GHI ...) so the client's router takes over. API and socket paths are
/// never answered with the page.
/// </summary>
public static class WebClient
{
    public static void UseStaticClient(WebApplication app)
    {
        var root = WebRoot(app);
        if (!Directory.Exists(root))
        {
            return;
        }
        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                context.Context.Response.Headers.CacheControl = context.Context.Request.Path.StartsWithSegments("/assets")
                    ? "public, max-age=31536000, immutable"
                    : "no-cache";
            },
        });
    }

    public static void MapFallback(WebApplication app)
    {
        var root = WebRoot(app);
        var index = Path.Combine(root, "index.html");
        // GET only and last in order: other methods and unknown API paths get 404/405/415 from routing.
        app.MapGet("{**path:nonfile}", async context =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments("/api") || path.StartsWithSegments("/ws") || !File.Exists(index))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.SendFileAsync(index, context.RequestAborted);
        }).WithOrder(int.MaxValue).ExcludeFromDescription();
    }

    private static string WebRoot(WebApplication app)
    {
        var configured = app.Services.GetRequiredService<IOptions<HttpOptions>>().Value.WebRoot;
        return string.IsNullOrEmpty(configured) ? Path.Combine(AppContext.BaseDirectory, "wwwroot") : Path.GetFullPath(configured);
    }
}
