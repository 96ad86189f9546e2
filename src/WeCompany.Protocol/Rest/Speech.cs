namespace WeCompany.Protocol.Rest;

/// <summary>POST /api/v1/ai/speech/recognition (specification 4.1).</summary>
/// <param name="AudioData">The audio, base64 (RFC 4648 §4).</param>
/// <param name="Language">"en", "zh", … (a region suffix such as "en-US" is accepted).</param>
/// <param name="Format">"wav" (RIFF/WAVE, PCM 8/16/24-bit or 32-bit float) or "pcm" (raw signed 16-bit little-endian mono).</param>
/// <param name="SampleRate">Required for "pcm"; for "wav" the header's rate wins.</param>
public sealed record SpeechRecognitionRequest(string? AudioData, string? Language, string? Format, int? SampleRate);

/// <summary>The recognised text.</summary>
/// <param name="Text">The transcript; empty when nothing was recognised.</param>
/// <param name="Confidence">0–1 as the engine estimates it.</param>
/// <param name="Language">The language the engine decoded (normalised, e.g. "en").</param>
/// <param name="Duration">Seconds of audio decoded.</param>
public sealed record SpeechRecognitionResponse(string Text, double Confidence, string Language, double Duration);
