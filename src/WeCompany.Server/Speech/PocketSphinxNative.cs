using System.Runtime.InteropServices;

namespace WeCompany.Server.Speech;

/// <summary>
/// The few C functions of pocketsphinx 5prealpha (Debian libpocketsphinx3) and sphinxbase we call, bound at
/// run time from configurable library paths. Configuration goes through the non-variadic
/// <c>cmd_ln_parse_r(NULL, ps_args(), argc, argv, strict)</c> because <c>cmd_ln_init</c> is variadic and
/// cannot be called portably through P/Invoke.
/// </summary>
internal sealed unsafe class PocketSphinxNative : IDisposable
{
    private readonly nint _pocketsphinx;
    private readonly nint _sphinxbase;

    // pocketsphinx.h
    private readonly delegate* unmanaged[Cdecl]<nint> _psArgs;
    private readonly delegate* unmanaged[Cdecl]<nint, nint> _psInit;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _psFree;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _psStartUtt;
    private readonly delegate* unmanaged[Cdecl]<nint, short*, nuint, int, int, int> _psProcessRaw;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _psEndUtt;
    private readonly delegate* unmanaged[Cdecl]<nint, int*, nint> _psGetHyp;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _psGetProb;
    private readonly delegate* unmanaged[Cdecl]<nint, nint> _psGetLogmath;

    // sphinxbase: cmd_ln.h and logmath.h
    private readonly delegate* unmanaged[Cdecl]<nint, nint, int, nint*, int, nint> _cmdLnParseR;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _cmdLnFreeR;
    private readonly delegate* unmanaged[Cdecl]<nint, int, double> _logmathExp;

    public PocketSphinxNative(string pocketsphinxLibrary, string sphinxbaseLibrary)
    {
        // sphinxbase first: pocketsphinx links against it and finds it already loaded.
        _sphinxbase = NativeLibrary.Load(sphinxbaseLibrary);
        _pocketsphinx = NativeLibrary.Load(pocketsphinxLibrary);
        _psArgs = (delegate* unmanaged[Cdecl]<nint>)NativeLibrary.GetExport(_pocketsphinx, "ps_args");
        _psInit = (delegate* unmanaged[Cdecl]<nint, nint>)NativeLibrary.GetExport(_pocketsphinx, "ps_init");
        _psFree = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(_pocketsphinx, "ps_free");
        _psStartUtt = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(_pocketsphinx, "ps_start_utt");
        _psProcessRaw = (delegate* unmanaged[Cdecl]<nint, short*, nuint, int, int, int>)NativeLibrary.GetExport(_pocketsphinx, "ps_process_raw");
        _psEndUtt = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(_pocketsphinx, "ps_end_utt");
        _psGetHyp = (delegate* unmanaged[Cdecl]<nint, int*, nint>)NativeLibrary.GetExport(_pocketsphinx, "ps_get_hyp");
        _psGetProb = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(_pocketsphinx, "ps_get_prob");
        _psGetLogmath = (delegate* unmanaged[Cdecl]<nint, nint>)NativeLibrary.GetExport(_pocketsphinx, "ps_get_logmath");
        _cmdLnParseR = (delegate* unmanaged[Cdecl]<nint, nint, int, nint*, int, nint>)NativeLibrary.GetExport(_sphinxbase, "cmd_ln_parse_r");
        _cmdLnFreeR = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(_sphinxbase, "cmd_ln_free_r");
        _logmathExp = (delegate* unmanaged[Cdecl]<nint, int, double>)NativeLibrary.GetExport(_sphinxbase, "logmath_exp");
    }

    /// <summary>A decoder configured by command-line style arguments ("-hmm", path, …); zero when they are refused.</summary>
    public nint CreateDecoder(IReadOnlyList<string> arguments)
    {
        var argv = new nint[arguments.Count];
        try
        {
            for (var i = 0; i < argv.Length; i++)
            {
                argv[i] = Marshal.StringToCoTaskMemUTF8(arguments[i]);
            }
            nint config;
            fixed (nint* args = argv)
            {
                config = _cmdLnParseR(0, _psArgs(), argv.Length, args, 1);
            }
            if (config == 0)
            {
                return 0;
            }
            // ps_init keeps its own reference to the configuration.
            var decoder = _psInit(config);
            _cmdLnFreeR(config);
            return decoder;
        }
        finally
        {
            foreach (var arg in argv)
            {
                Marshal.FreeCoTaskMem(arg);
            }
        }
    }

    public void FreeDecoder(nint decoder) => _psFree(decoder);

    /// <summary>Decodes one whole utterance; null when the decoder reports an error.</summary>
    public (string Text, double Confidence)? Decode(nint decoder, ReadOnlySpan<short> samples)
    {
        if (_psStartUtt(decoder) < 0)
        {
            return null;
        }
        int processed;
        fixed (short* data = samples)
        {
            processed = _psProcessRaw(decoder, data, (nuint)samples.Length, 0, 1);
        }
        if (_psEndUtt(decoder) < 0 || processed < 0)
        {
            return null;
        }
        int score;
        var hyp = _psGetHyp(decoder, &score);
        var text = hyp == 0 ? "" : Marshal.PtrToStringUTF8(hyp) ?? "";
        // ps_get_prob: the log posterior of the hypothesis in the decoder's log base.
        var confidence = Math.Clamp(_logmathExp(_psGetLogmath(decoder), _psGetProb(decoder)), 0, 1);
        return (text, text.Length == 0 ? 0 : confidence);
    }

    public void Dispose()
    {
        NativeLibrary.Free(_pocketsphinx);
        NativeLibrary.Free(_sphinxbase);
    }
}
