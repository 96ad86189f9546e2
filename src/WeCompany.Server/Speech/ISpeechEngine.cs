namespace WeCompany.Server.Speech;

/// <summary>What an engine heard: the text and its confidence (0–1).</summary>
public sealed record Transcript(string Text, double Confidence);

/// <summary>
/// A speech-to-text engine. Called from the recognition workers, never from request threads; an engine may
/// block while it decodes. Failures are thrown as <see cref="SpeechEngineException"/>.
/// </summary>
public interface ISpeechEngine
{
    /// <summary>Short name for messages and logs ("pocketsphinx", "remote").</summary>
    string Name { get; }

    /// <summary>Normalised language codes ("en", "zh") the engine accepts.</summary>
    IReadOnlyList<string> Languages { get; }

    Task<Transcript> RecognizeAsync(PcmAudio audio, string language, CancellationToken cancellationToken);
}

/// <summary>An engine could not produce a transcript (the caller answers 40002).</summary>
public sealed class SpeechEngineException : Exception
{
    public SpeechEngineException()
    {
    }

    public SpeechEngineException(string message)
        : base(message)
    {
    }

    public SpeechEngineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
