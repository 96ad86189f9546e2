using System.Collections.Concurrent;

namespace WeCompany.Server.Speech;

/// <summary>
/// The embedded engine: CMU pocketsphinx in this process. A decoder is not thread-safe and takes a second
/// to load its models, so decoders are kept in a pool and each call borrows one (the workers bound how many
/// exist). Search: the JSGF grammar if configured, else the keyword list, else the statistical language model.
/// </summary>
public sealed class PocketSphinxEngine : ISpeechEngine, IDisposable
{
    private readonly PocketSphinxNative _native;
    private readonly string[] _arguments;
    private readonly ConcurrentBag<nint> _idle = [];
    private bool _disposed;

    public PocketSphinxEngine(PocketSphinxOptions options)
    {
        foreach (var (name, path) in new[] { ("AcousticModel", options.AcousticModel), ("Dictionary", options.Dictionary) })
        {
            if (!Path.Exists(path))
            {
                throw new SpeechEngineException($"Speech:PocketSphinx:{name} {path} does not exist (install pocketsphinx-en-us or set the path).");
            }
        }
        _native = new PocketSphinxNative(options.Library, options.BaseLibrary);
        var arguments = new List<string> { "-hmm", options.AcousticModel, "-dict", options.Dictionary, "-logfn", "/dev/null" };
        if (!string.IsNullOrWhiteSpace(options.Grammar))
        {
            arguments.AddRange(["-jsgf", options.Grammar]);
        }
        else if (!string.IsNullOrWhiteSpace(options.Keywords))
        {
            arguments.AddRange(["-kws", options.Keywords]);
        }
        else if (!string.IsNullOrWhiteSpace(options.LanguageModel))
        {
            arguments.AddRange(["-lm", options.LanguageModel]);
        }
        _arguments = [.. arguments];
        Languages = options.Languages;
    }

    public string Name => "pocketsphinx";

    public IReadOnlyList<string> Languages { get; }

    public Task<Transcript> RecognizeAsync(PcmAudio audio, string language, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var decoder = Borrow();
        try
        {
            var decoded = _native.Decode(decoder, audio.Samples) ?? throw new SpeechEngineException("pocketsphinx failed to decode the utterance.");
            return Task.FromResult(new Transcript(decoded.Text, decoded.Confidence));
        }
        finally
        {
            _idle.Add(decoder);
        }
    }

    private nint Borrow()
    {
        if (_idle.TryTake(out var decoder))
        {
            return decoder;
        }
        decoder = _native.CreateDecoder(_arguments);
        return decoder != 0
            ? decoder
            : throw new SpeechEngineException("pocketsphinx refused its configuration (check the model, dictionary, grammar and keyword paths).");
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        while (_idle.TryTake(out var decoder))
        {
            _native.FreeDecoder(decoder);
        }
        _native.Dispose();
    }
}
