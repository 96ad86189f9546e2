using System.Diagnostics;
using WeCompany.Server.Speech;

namespace WeCompany.Bench.Files;

/// <summary>Real-time factor of pocketsphinx: seconds of audio decoded per second of CPU, full LM and a grammar.</summary>
internal static class SpeechBench
{
    private static readonly string[] Sentences =
    [
        "please open the meeting room door",
        "the weather is nice today",
        "send the report to my manager",
        "we will start the call at nine",
        "turn off the lights in the kitchen",
    ];

    public static async Task RunAsync(string work)
    {
        var clips = new List<PcmAudio>
        {
            AudioDecoder.Decode(await File.ReadAllBytesAsync("/usr/share/pocketsphinx/test/data/goforward.raw"), "pcm", 16000, 60).Value,
        };
        foreach (var sentence in Sentences)
        {
            var wav = Path.Combine(work, "say.wav");
            await RunAsync("espeak-ng", "-v", "en-us", "-w", wav, sentence);
            await RunAsync("sox", "-R", wav, "-r", "16000", "-c", "1", "-b", "16", wav + ".16k.wav");
            clips.Add(AudioDecoder.Decode(await File.ReadAllBytesAsync(wav + ".16k.wav"), "wav", null, 60).Value);
        }
        var grammar = Path.Combine(work, "sentences.gram");
        await File.WriteAllTextAsync(grammar, "#JSGF V1.0;\ngrammar sentences;\npublic <sentence> = go forward ten meters | " + string.Join(" | ", Sentences) + ";\n");

        Console.WriteLine($"## pocketsphinx real-time factor ({clips.Count} clips, {clips.Sum(c => c.DurationSeconds):0.0} s of audio, one thread)");
        Console.WriteLine();
        Console.WriteLine("| Search | Model load (s) | Audio s per CPU s | Audio s per wall s |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, options) in new[]
        {
            ("full language model (en-us.lm.bin)", new PocketSphinxOptions()),
            ("JSGF grammar of the phrases", new PocketSphinxOptions { Grammar = grammar }),
        })
        {
            using var engine = new PocketSphinxEngine(options);
            var load = Stopwatch.StartNew();
            await engine.RecognizeAsync(clips[0], "en", CancellationToken.None); // first call loads the models
            var loadSeconds = load.Elapsed.TotalSeconds;
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            var audio = 0.0;
            for (var repeat = 0; repeat < 3; repeat++)
            {
                foreach (var clip in clips)
                {
                    await engine.RecognizeAsync(clip, "en", CancellationToken.None);
                    audio += clip.DurationSeconds;
                }
            }
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            Console.WriteLine($"| {name} | {loadSeconds:0.00} | {audio / cpu:0.0} | {audio / wall.Elapsed.TotalSeconds:0.0} |");
        }
    }

    private static async Task RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed: {errors}");
        }
    }
}
