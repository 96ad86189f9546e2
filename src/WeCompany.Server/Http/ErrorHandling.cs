using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace WeCompany.Server.Http;

/// <summary>
/// Makes every non-2xx answer the error envelope, including the framework's own: binding failures
/// (400, 413, 415) arrive here as <see cref="BadHttpRequestException"/>, unhandled faults as 500, and
/// body-less statuses (404, 405, 401 from a challenge) through the status-code-pages hook.
/// </summary>
public static partial class ErrorHandling
{
    public static WebApplication UseErrorEnvelopes(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = HandleExceptionAsync,
            // Our handler writes the envelope itself; a 404 from it must not be re-executed.
            AllowStatusCode404Response = true,
        });
        app.UseStatusCodePages(context =>
        {
            var response = context.HttpContext.Response;
            if (response.HasStarted || response.ContentLength is > 0 || response.ContentType is not null)
            {
                return Task.CompletedTask;
            }
            return Api.WriteErrorAsync(context.HttpContext, ApiError.ForStatus(response.StatusCode));
        });
        return app;
    }

    private static Task HandleExceptionAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var error = exception switch
        {
            BadHttpRequestException { StatusCode: 413 } => ApiError.ForStatus(413),
            BadHttpRequestException { StatusCode: 415 } => ApiError.ForStatus(415),
            BadHttpRequestException { InnerException: JsonException json } =>
                new ApiError(400, "BadRequest", Protocol.Rest.ErrorCodes.MalformedBody, "Invalid request",
                    json.Path is { Length: > 1 } path ? $"The JSON body is malformed or has a wrong type at {path}." : "The JSON body is malformed."),
            BadHttpRequestException bad when bad.Message.Contains("body was empty", StringComparison.OrdinalIgnoreCase) =>
                new ApiError(400, "BadRequest", Protocol.Rest.ErrorCodes.MalformedBody, "Invalid request", "A JSON body is required."),
            BadHttpRequestException bad => ApiError.ForStatus(bad.StatusCode),
            OperationCanceledException when context.RequestAborted.IsCancellationRequested => null,
            _ => ApiError.ForStatus(500),
        };
        if (error is null)
        {
            return Task.CompletedTask;
        }
        if (error.Status >= 500 && exception is not null)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("WeCompany.Http");
            Log.Unhandled(logger, context.Request.Method, context.Request.Path, exception);
        }
        return Api.WriteErrorAsync(context, error);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Unhandled fault in {Method} {Path}")]
        public static partial void Unhandled(ILogger logger, string method, PathString path, Exception exception);
    }
}
