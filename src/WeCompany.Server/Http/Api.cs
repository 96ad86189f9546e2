using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Http;

/// <summary>Builds the REST envelopes as <see cref="IResult"/>s.</summary>
public static class Api
{
    public static IResult Ok<T>(T data) => new EnvelopeResult<T>(200, data);

    public static IResult Created<T>(T data) => new EnvelopeResult<T>(201, data);

    public static IResult Error(ApiError error) => new ErrorResult(error, null);

    public static IResult Error(ApiError error, TimeSpan retryAfter) => new ErrorResult(error, retryAfter);

    /// <summary>Writes the error envelope straight to a response (middleware and handlers outside endpoints).</summary>
    public static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsJsonAsync(error.ToEnvelope(), WireJson.Options, "application/json; charset=utf-8", context.RequestAborted);
    }

    private sealed class EnvelopeResult<T>(int status, T data) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (HttpMethods.IsGet(httpContext.Request.Method) && status == 200)
            {
                return WriteCacheableAsync(httpContext, data);
            }
            httpContext.Response.StatusCode = status;
            var envelope = new ApiResponse<T>(status, "success", data, DateTimeOffset.UtcNow);
            return httpContext.Response.WriteAsJsonAsync(envelope, WireJson.Options, httpContext.RequestAborted);
        }

        // ETag and 304 for GETs: the tag is a hash of `data` alone (the envelope's timestamp changes on every
        // answer), weak because compression may change the bytes on the wire. The data is serialized once and
        // spliced into the envelope.
        private static async Task WriteCacheableAsync(HttpContext context, T data)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(data, WireJson.Options);
            var tag = "W/\"" + Convert.ToHexStringLower(SHA256.HashData(json).AsSpan(0, 16)) + "\"";
            var response = context.Response;
            response.Headers.ETag = tag;
            response.Headers.CacheControl = "private, no-cache";
            foreach (var candidate in context.Request.Headers.IfNoneMatch.SelectMany(v => (v ?? "").Split(',')))
            {
                var trimmed = candidate.Trim();
                if (trimmed == tag || trimmed == "*" || "W/" + trimmed == tag)
                {
                    response.StatusCode = StatusCodes.Status304NotModified;
                    return;
                }
            }
            response.StatusCode = 200;
            response.ContentType = "application/json; charset=utf-8";
            var timestamp = JsonSerializer.SerializeToUtf8Bytes(DateTimeOffset.UtcNow, WireJson.Options);
            var body = response.BodyWriter;
            body.Write("{\"code\":200,\"message\":\"success\",\"data\":"u8);
            body.Write(json);
            body.Write(",\"timestamp\":"u8);
            body.Write(timestamp);
            body.Write("}"u8);
            await body.FlushAsync(context.RequestAborted);
        }
    }

    private sealed class ErrorResult(ApiError error, TimeSpan? retryAfter) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => error.Status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfter is { } wait)
            {
                httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return WriteErrorAsync(httpContext, error);
        }
    }
}
