using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WeCompany.Server.Speech;

/// <summary>
/// Any server speaking OpenAI's <c>POST /v1/audio/transcriptions</c> (whisper.cpp's server, faster-whisper
/// servers, the OpenAI API): the audio goes as a 16 kHz mono WAV in multipart/form-data with model, language
/// and response_format=verbose_json; the answer's text is the transcript, and the segments' mean
/// avg_logprob, when given, becomes the confidence (0 when the server gives none).
/// </summary>
public sealed class RemoteSpeechEngine : ISpeechEngine, IDisposable
{
    private readonly HttpClient _client;
    private readonly RemoteSpeechOptions _options;
    private readonly Uri _endpoint;

    public RemoteSpeechEngine(RemoteSpeechOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        _endpoint = new Uri(options.Url!.TrimEnd('/') + "/v1/audio/transcriptions");
        _client = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
        };
        Languages = options.Languages;
    }

    public string Name => "remote";

    public IReadOnlyList<string> Languages { get; }

    public async Task<Transcript> RecognizeAsync(PcmAudio audio, string language, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(WavWriter.Write(audio.Samples, PcmAudio.SampleRate));
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "file", "audio.wav");
        form.Add(new StringContent(_options.Model), "model");
        form.Add(new StringContent(language), "language");
        form.Add(new StringContent("verbose_json"), "response_format");
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = form };
        if (!string.IsNullOrEmpty(_options.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        }
        try
        {
            using var response = await _client.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new SpeechEngineException($"The transcription server answered {(int)response.StatusCode}.");
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var answer = await JsonSerializer.DeserializeAsync<TranscriptionAnswer>(body, cancellationToken: cancellationToken)
                ?? throw new SpeechEngineException("The transcription server answered null.");
            if (answer.Text is null)
            {
                throw new SpeechEngineException("The transcription server's answer has no text.");
            }
            var confidence = answer.Segments is { Count: > 0 } segments ? Math.Exp(segments.Average(s => s.AvgLogprob)) : 0;
            return new Transcript(answer.Text.Trim(), Math.Clamp(confidence, 0, 1));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new SpeechEngineException("The transcription server could not be used: " + e.Message, e);
        }
    }

    public void Dispose() => _client.Dispose();

    private sealed record TranscriptionAnswer(
        [property: JsonPropertyName("text")] string? Text,
        [property: JsonPropertyName("segments")] List<TranscriptionSegment>? Segments);

    private sealed record TranscriptionSegment([property: JsonPropertyName("avg_logprob")] double AvgLogprob);
}
