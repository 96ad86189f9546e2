using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Diagnostics;
using WeCompany.Server.Http;

namespace WeCompany.Server.Speech;

/// <summary>
/// Checks a recognition request, decodes its base64 on the request thread (cheap), then queues the audio
/// decoding and the engine's work for a speech worker and waits for the answer.
/// </summary>
public sealed partial class SpeechService(SpeechEngines engines, SpeechQueue queue, IOptions<SpeechOptions> options, MetricsRegistry metrics, ILogger<SpeechService> logger)
{
    private readonly Counter _recognised = metrics.Counter("speech_recognitions_total", "Recognitions answered with a transcript.");
    private readonly Counter _audioMillis = metrics.Counter("speech_audio_milliseconds_total", "Milliseconds of audio recognised.");
    private readonly Counter _failed = metrics.Counter("speech_engine_failures_total", "Recognitions the engine failed (40002).");
    private readonly Counter _refused = metrics.Counter("speech_queue_full_total", "Recognitions refused because the queue was full (429).");

    public async Task<Result<SpeechRecognitionResponse>> RecognizeAsync(SpeechRecognitionRequest request, CancellationToken ct)
    {
        var format = request.Format?.Trim().ToLowerInvariant() ?? "wav";
        if (format is not ("wav" or "pcm"))
        {
            return new ApiError(415, "UnsupportedAudioFormat", ErrorCodes.FileTypeUnsupported, "Audio format not supported",
                $"format must be \"wav\" or \"pcm\", not \"{request.Format}\".");
        }
        if (string.IsNullOrWhiteSpace(request.Language))
        {
            return ApiError.Validation("language is required (e.g. \"en\").");
        }
        var language = SpeechEngines.Normalize(request.Language);
        var engine = engines.For(language);
        if (engine is null)
        {
            return new ApiError(503, "AiUnavailable", ErrorCodes.AiUnavailable, "AI service unavailable", engines.All.Count == 0
                ? "Speech recognition: " + engines.Describe() + "."
                : $"No speech engine here takes language \"{request.Language}\"; {engines.Describe()}.");
        }
        if (string.IsNullOrEmpty(request.AudioData))
        {
            return ApiError.Validation("audio_data is empty.");
        }

        // RFC 4648 §4 base64; the decoded size is at most 3/4 of the text. Not pooled: a job may outlive a caller that gave up.
        var audioBytes = new byte[(request.AudioData.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(request.AudioData, audioBytes, out var length))
        {
            return ApiError.Validation("audio_data is not valid base64.");
        }
        if (length == 0)
        {
            return ApiError.Validation("audio_data is empty.");
        }
        var sampleRate = request.SampleRate;
        var pending = queue.TryEnqueue(token => RecognizeBytesAsync(audioBytes.AsMemory(0, length), format, sampleRate, engine, language, token), ct);
        if (pending is null)
        {
            _refused.Increment();
            return new Result<SpeechRecognitionResponse>(
                ApiError.TooManyRequests(ErrorCodes.AiBusy, "Speech recognition is busy; retry shortly."), TimeSpan.FromSeconds(1));
        }
        return await pending.WaitAsync(ct);
    }

    // Runs on a speech worker: the resampling and the decoding are the expensive part.
    private async Task<Result<SpeechRecognitionResponse>> RecognizeBytesAsync(ReadOnlyMemory<byte> bytes, string format, int? sampleRate, ISpeechEngine engine, string language, CancellationToken ct)
    {
        var decoded = AudioDecoder.Decode(bytes.Span, format, sampleRate, options.Value.MaxDurationSeconds);
        if (!decoded.IsSuccess)
        {
            return decoded.Error!;
        }
        var audio = decoded.Value;
        try
        {
            var transcript = await engine.RecognizeAsync(audio, language, ct);
            _recognised.Increment();
            _audioMillis.Add((long)(audio.DurationSeconds * 1000));
            return new SpeechRecognitionResponse(transcript.Text, Math.Round(transcript.Confidence, 3), language, Math.Round(audio.DurationSeconds, 3));
        }
        catch (SpeechEngineException e)
        {
            _failed.Increment();
            Log.EngineFailed(logger, engine.Name, e.Message);
            return new ApiError(502, "AiFailed", ErrorCodes.AiFailed, "AI processing failed", $"The {engine.Name} engine failed: {e.Message}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Speech engine {Engine} failed: {Reason}")]
        public static partial void EngineFailed(ILogger logger, string engine, string reason);
    }
}
