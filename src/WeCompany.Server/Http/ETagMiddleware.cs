using System.Security.Cryptography;

namespace WeCompany.Server.Http;

/// <summary>
/// ETag and 304 for GET answers of the API: the body is hashed (SHA-256, first 16 bytes) and a request whose
/// If-None-Match carries that tag gets 304 without the body. API answers are small (pages are capped), so
/// buffering them costs little. The tag is weak because compression may change the bytes on the wire.
/// </summary>
public sealed class ETagMiddleware(RequestDelegate next)
{
    // Answers larger than this are streamed untagged: 256 KiB is above any capped page of JSON.
    private const int MaxBuffered = 256 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) || !context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        buffer.Position = 0;
        if (context.Response.StatusCode == 200 && buffer.Length <= MaxBuffered)
        {
            var hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            var tag = "W/\"" + Convert.ToHexStringLower(hash.AsSpan(0, 16)) + "\"";
            context.Response.Headers.ETag = tag;
            context.Response.Headers.CacheControl = "private, no-cache";
            var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
            if (ifNoneMatch.Length > 0 && (ifNoneMatch == "*" || ifNoneMatch.Split(',').Any(t => t.Trim() == tag || "W/" + t.Trim() == tag)))
            {
                context.Response.StatusCode = 304;
                context.Response.ContentLength = null;
                context.Response.Headers.ContentType = default;
                return;
            }
        }
        context.Response.ContentLength = buffer.Length;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }
}
