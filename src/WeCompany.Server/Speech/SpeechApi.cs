using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;

namespace WeCompany.Server.Speech;

/// <summary>The specification's "AI服务 API" (4.1): speech recognition.</summary>
public static class SpeechApi
{
    /// <summary>Registers the engines, the worker queue and the service.</summary>
    public static IServiceCollection AddSpeechEngines(this IServiceCollection services)
    {
        services.AddSingleton<SpeechEngines>();
        services.AddSingleton<SpeechQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<SpeechQueue>());
        services.AddSingleton<SpeechService>();
        return services;
    }

    public static IEndpointRouteBuilder MapSpeech(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/ai/speech/recognition", RecognizeAsync).WithTags("AI").RequireAuthorization()
            .WithSummary("Speech to text: base64 WAV or raw 16-bit PCM, at most Speech:MaxDurationSeconds long")
            .Accepts<SpeechRecognitionRequest>("application/json")
            .Produces<ApiResponse<SpeechRecognitionResponse>>().ProducesApiErrors(400, 401, 413, 415, 429, 502, 503);
        return app;
    }

    private static async Task<IResult> RecognizeAsync(HttpContext context, SpeechService speech, IOptions<SpeechOptions> options, CancellationToken ct)
    {
        // The body is read here rather than bound, so that this endpoint alone can raise Kestrel's body limit first.
        var limit = options.Value.MaxRequestBytes;
        if (context.Request.ContentLength > limit)
        {
            return Api.Error(BodyTooLarge(limit));
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }
        if (!context.Request.HasJsonContentType())
        {
            return Api.Error(ApiError.ForStatus(415));
        }
        SpeechRecognitionRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<SpeechRecognitionRequest>(WireJson.Options, ct);
        }
        catch (JsonException e)
        {
            return Api.Error(ApiError.ForStatus(400) with { Details = "The body is not valid JSON for this request: " + e.Message });
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return Api.Error(BodyTooLarge(limit));
        }
        if (request is null)
        {
            return Api.Error(ApiError.Validation("The body is empty."));
        }
        return (await speech.RecognizeAsync(request, ct)).ToHttp();
    }

    private static ApiError BodyTooLarge(long limit) =>
        new(413, "PayloadTooLarge", ErrorCodes.FileTooLarge, "Audio too large", $"The request may be at most {limit} bytes (base64 audio included).");
}
