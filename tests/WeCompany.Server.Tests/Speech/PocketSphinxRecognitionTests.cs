using WeCompany.Server.Speech;
using WeCompany.Server.Tests.Files;
using Xunit.Abstractions;
using static WeCompany.Server.Tests.Speech.SpeechAudio;

namespace WeCompany.Server.Tests.Speech;

/// <summary>The embedded engine against real recordings and espeak-ng speech (issue 8, "Proved against real data").</summary>
public sealed class PocketSphinxRecognitionTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Sentences =
    [
        "please open the meeting room door",
        "the weather is nice today",
        "send the report to my manager",
        "we will start the call at nine",
        "turn off the lights in the kitchen",
    ];

    private readonly string _folder = Directory.CreateTempSubdirectory("wecompany-speech-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Task<TestServer> StartAsync(Dictionary<string, string?>? settings = null) => TestServer.StartAsync(settings);

    [Fact]
    public async Task GoForwardRawIsRecognisedAsGoForwardTenMeters()
    {
        await using var server = await StartAsync();
        var (_, client) = await server.UserAsync("listener");

        using var response = await RecognizeAsync(client, GoForward(), "pcm", "en-US", 16000);
        var result = await RecognizedAsync(response);

        Assert.Equal("go forward ten meters", result.Text);
        Assert.Equal("en", result.Language);
        Assert.Equal(89160 / 2 / 16000.0, result.Duration, 3);
        Assert.InRange(result.Confidence, 0, 1);
    }

    [Fact]
    public async Task StereoFortyFourKilohertzWavIsMixedAndResampledBeforeRecognition()
    {
        await using var server = await StartAsync();
        var (_, client) = await server.UserAsync("stereo");
        var wav = await GoForwardAsWavAsync(_folder, 44100, 2, "signed-integer", 16);

        using var response = await RecognizeAsync(client, wav);

        Assert.Equal("go forward ten meters", (await RecognizedAsync(response)).Text);
    }

    [Fact]
    public async Task EspeakSentencesComeBackExactlyWithAGrammarOfThem()
    {
        var grammar = Path.Combine(_folder, "sentences.gram");
        await File.WriteAllTextAsync(grammar, "#JSGF V1.0;\ngrammar sentences;\npublic <sentence> = " + string.Join(" | ", Sentences) + ";\n");
        await using var server = await StartAsync(new() { ["Speech:PocketSphinx:Grammar"] = grammar });
        var (_, client) = await server.UserAsync("grammarian");

        foreach (var sentence in Sentences)
        {
            // sox converted (16 kHz mono), and espeak-ng's own 22,050 Hz through our resampler.
            using var converted = await RecognizeAsync(client, await SpeakAsync(_folder, sentence, resample: true));
            using var native = await RecognizeAsync(client, await SpeakAsync(_folder, sentence, resample: false));

            Assert.Equal(sentence, (await RecognizedAsync(converted)).Text);
            Assert.Equal(sentence, (await RecognizedAsync(native)).Text);
        }
    }

    [Fact]
    public async Task EspeakSentencesWithTheFullLanguageModelReportTheirWordErrorRate()
    {
        using var engine = new PocketSphinxEngine(new PocketSphinxOptions());
        var errors = 0;
        var words = 0;
        foreach (var sentence in Sentences)
        {
            var wav = await SpeakAsync(_folder, sentence, resample: true);
            var audio = AudioDecoder.Decode(wav, "wav", null, 60).Value;
            var transcript = await engine.RecognizeAsync(audio, "en", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            var (e, w) = WordErrors(sentence, transcript.Text);
            errors += e;
            words += w;
            output.WriteLine($"said: \"{sentence}\"  heard: \"{transcript.Text}\"  errors: {e}/{w}");
        }
        var wer = (double)errors / words;
        output.WriteLine($"WER with en-us.lm.bin over {Sentences.Length} espeak-ng sentences: {wer:P1} ({errors}/{words})");
        Console.WriteLine($"[speech] WER with the full language model: {wer:P1} ({errors}/{words} words)");

        // A report, not a goal: espeak-ng's synthetic voice is far from the model's training speech.
        Assert.InRange(wer, 0, 1.5);
    }
}
