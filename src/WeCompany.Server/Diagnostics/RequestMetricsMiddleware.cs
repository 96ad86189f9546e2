using System.Diagnostics;

namespace WeCompany.Server.Diagnostics;

/// <summary>Times each request and records it by route template (bounded cardinality: unmatched paths share one label).</summary>
public sealed class RequestMetricsMiddleware(RequestDelegate next, MetricsRegistry metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            metrics.RecordRequest(context.Request.Method, route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
