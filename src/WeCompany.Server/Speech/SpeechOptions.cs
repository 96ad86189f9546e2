using System.ComponentModel.DataAnnotations;

namespace WeCompany.Server.Speech;

/// <summary>Speech recognition. Section "Speech".</summary>
public sealed class SpeechOptions
{
    /// <summary>Longest audio accepted: 60 s (the default) is a long spoken sentence or a short voice note.</summary>
    [Range(1, 3600)]
    public int MaxDurationSeconds { get; set; } = 60;

    /// <summary>
    /// Largest request body: 16 MiB holds 60 s of 48 kHz stereo 16-bit audio in base64 (11.5 MB × 4/3).
    /// This endpoint alone lifts Kestrel's server-wide limit (Http:MaxBodyBytes) to this.
    /// </summary>
    [Range(1024, 1L << 32)]
    public long MaxRequestBytes { get; set; } = 16L << 20;

    /// <summary>Recognitions that may wait for a worker: 8 keeps a burst queued; beyond that callers get 429 rather than a growing wait.</summary>
    [Range(1, 1024)]
    public int QueueCapacity { get; set; } = 8;

    /// <summary>Recognitions run at once: 1, because decoding takes a whole core and the media path needs the rest.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 1;

    /// <summary>"auto": the remote engine for the languages it lists, pocketsphinx for English otherwise; "pocketsphinx" or "remote": only that one.</summary>
    [RegularExpression("^(auto|pocketsphinx|remote)$")]
    public string Engine { get; set; } = "auto";

    [Required]
    public PocketSphinxOptions PocketSphinx { get; set; } = new();

    [Required]
    public RemoteSpeechOptions Remote { get; set; } = new();
}

/// <summary>The embedded engine: Debian's pocketsphinx (packages libpocketsphinx3, pocketsphinx-en-us). Section "Speech:PocketSphinx".</summary>
public sealed class PocketSphinxOptions
{
    /// <summary>Off: the embedded engine is not offered (e.g. where the library is not installed).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The native library (soname or path).</summary>
    [Required]
    public string Library { get; set; } = "libpocketsphinx.so.3";

    /// <summary>sphinxbase, which holds the configuration parser (soname or path).</summary>
    [Required]
    public string BaseLibrary { get; set; } = "libsphinxbase.so.3";

    /// <summary>Acoustic model folder (-hmm).</summary>
    [Required]
    public string AcousticModel { get; set; } = "/usr/share/pocketsphinx/model/en-us/en-us";

    /// <summary>Pronunciation dictionary (-dict).</summary>
    [Required]
    public string Dictionary { get; set; } = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";

    /// <summary>Statistical language model (-lm), used when neither a grammar nor a keyword list is set.</summary>
    public string? LanguageModel { get; set; } = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin";

    /// <summary>A JSGF grammar (-jsgf) restricting what can be recognised; far more exact for a known set of phrases.</summary>
    public string? Grammar { get; set; }

    /// <summary>A keyword list (-kws), one phrase per line with its threshold, for spotting commands.</summary>
    public string? Keywords { get; set; }

    /// <summary>Languages the model speaks.</summary>
    [MinLength(1)]
    public string[] Languages { get; set; } = ["en"];
}

/// <summary>A server with the OpenAI-compatible POST /v1/audio/transcriptions (e.g. a whisper server). Section "Speech:Remote".</summary>
public sealed class RemoteSpeechOptions
{
    /// <summary>Base URL, e.g. http://127.0.0.1:9000 (the path /v1/audio/transcriptions is appended). Empty: no remote engine.</summary>
    public string? Url { get; set; }

    /// <summary>Bearer key sent to it; never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The "model" form field.</summary>
    [Required]
    public string Model { get; set; } = "whisper-1";

    /// <summary>Languages to send to it (whisper speaks many): Chinese by default; add "en" to prefer it over pocketsphinx for English.</summary>
    public string[] Languages { get; set; } = ["zh"];

    /// <summary>Time allowed per request: 60 s of audio takes a CPU whisper well under this.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 120;
}
