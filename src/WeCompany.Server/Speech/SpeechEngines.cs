using Microsoft.Extensions.Options;

namespace WeCompany.Server.Speech;

/// <summary>
/// The engines this server offers and which one takes a language (Speech:Engine). Built once at start-up:
/// pocketsphinx when enabled and loadable, the remote engine when Speech:Remote:Url is set.
/// </summary>
public sealed partial class SpeechEngines : IDisposable
{
    private readonly ISpeechEngine[] _engines;
    private readonly string _mode;

    public SpeechEngines(IEnumerable<ISpeechEngine> engines, string mode)
    {
        _engines = [.. engines];
        _mode = mode;
    }

    public SpeechEngines(IOptions<SpeechOptions> options, ILogger<SpeechEngines> logger)
        : this(Create(options.Value, logger), options.Value.Engine)
    {
    }

    public IReadOnlyList<ISpeechEngine> All => _engines;

    /// <summary>Accepts "en", "EN", "en-US", "en_us": the primary subtag, lower case.</summary>
    public static string Normalize(string language)
    {
        var cut = language.IndexOfAny(['-', '_']);
        return (cut < 0 ? language : language[..cut]).Trim().ToLowerInvariant();
    }

    /// <summary>
    /// The engine for a normalised language: in "auto", the remote engine when it lists the language (it is the
    /// more accurate), else the first that does; otherwise only the named engine. Null when none does.
    /// </summary>
    public ISpeechEngine? For(string language)
    {
        IEnumerable<ISpeechEngine> candidates = _mode == "auto"
            ? _engines.OrderBy(e => e.Name == "remote" ? 0 : 1)
            : _engines.Where(e => e.Name == _mode);
        return candidates.FirstOrDefault(e => e.Languages.Contains(language));
    }

    /// <summary>For messages: "en (pocketsphinx), zh and en (remote)" or that none is configured.</summary>
    public string Describe()
    {
        var offered = _mode == "auto" ? _engines : _engines.Where(e => e.Name == _mode);
        var parts = offered.Select(e => $"{string.Join(" and ", e.Languages)} ({e.Name})").ToList();
        return parts.Count == 0 ? "no speech engine is configured on this server" : "supported: " + string.Join("; ", parts);
    }

    public void Dispose()
    {
        foreach (var engine in _engines.OfType<IDisposable>())
        {
            engine.Dispose();
        }
    }

    private static List<ISpeechEngine> Create(SpeechOptions options, ILogger logger)
    {
        var engines = new List<ISpeechEngine>();
        if (options.PocketSphinx.Enabled)
        {
            try
            {
                engines.Add(new PocketSphinxEngine(options.PocketSphinx));
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or SpeechEngineException)
            {
                Log.PocketSphinxUnavailable(logger, e.Message);
            }
        }
        if (!string.IsNullOrWhiteSpace(options.Remote.Url))
        {
            engines.Add(new RemoteSpeechEngine(options.Remote));
        }
        return engines;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The embedded speech engine is not available: {Reason}")]
        public static partial void PocketSphinxUnavailable(ILogger logger, string reason);
    }
}
