using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Http.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Tests.Speech;

/// <summary>Real audio for the speech tests: pocketsphinx-testdata's recording, espeak-ng speech, sox conversions.</summary>
internal static class SpeechAudio
{
    /// <summary>16 kHz signed 16-bit mono, "go forward ten meters" (Debian package pocketsphinx-testdata).</summary>
    public const string GoForwardPath = "/usr/share/pocketsphinx/test/data/goforward.raw";

    public static byte[] GoForward() => File.ReadAllBytes(GoForwardPath);

    /// <summary>Runs a tool (espeak-ng, sox) and fails the test with its stderr when it fails.</summary>
    public static async Task RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"{tool} failed: {await stderr}");
    }

    /// <summary>goforward.raw converted by sox to a WAV of the given rate, channels and encoding (e.g. "signed-integer" 16, "floating-point" 32).</summary>
    public static async Task<byte[]> GoForwardAsWavAsync(string folder, int rate, int channels, string encoding, int bits)
    {
        var path = Path.Combine(folder, $"goforward-{rate}-{channels}-{encoding}-{bits}.wav");
        await RunAsync("sox", "-R", "-t", "raw", "-r", "16000", "-e", "signed-integer", "-b", "16", "-c", "1", GoForwardPath,
            "-r", rate.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-e", encoding, "-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture), path);
        return File.ReadAllBytes(path);
    }

    /// <summary>espeak-ng speaks <paramref name="sentence"/> (22,050 Hz mono WAV); with <paramref name="resample"/>, sox makes it 16 kHz mono.</summary>
    public static async Task<byte[]> SpeakAsync(string folder, string sentence, bool resample)
    {
        var name = Path.Combine(folder, "say-" + Guid.NewGuid().ToString("N"));
        await RunAsync("espeak-ng", "-v", "en-us", "-w", name + ".wav", sentence);
        if (!resample)
        {
            return File.ReadAllBytes(name + ".wav");
        }
        await RunAsync("sox", "-R", name + ".wav", "-r", "16000", "-c", "1", "-b", "16", name + "-16k.wav");
        return File.ReadAllBytes(name + "-16k.wav");
    }

    /// <summary>A canonical WAV header in front of <paramref name="data"/>, with the sizes it should have unless overridden.</summary>
    public static byte[] Wav(ReadOnlySpan<byte> data, int format, int channels, int rate, int bits, uint? dataSize = null, uint? riffSize = null)
    {
        var wav = new byte[44 + data.Length];
        var span = wav.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], riffSize ?? (uint)(36 + data.Length));
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(span[20..], (ushort)format);
        BinaryPrimitives.WriteUInt16LittleEndian(span[22..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], (uint)(rate * channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(span[32..], (ushort)(channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(span[34..], (ushort)bits);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[40..], dataSize ?? (uint)data.Length);
        data.CopyTo(span[44..]);
        return wav;
    }

    public static Task<HttpResponseMessage> RecognizeAsync(HttpClient client, byte[] audio, string format = "wav", string language = "en", int? sampleRate = null) =>
        RecognizeAsync(client, new SpeechRecognitionRequest(Convert.ToBase64String(audio), language, format, sampleRate));

    public static async Task<HttpResponseMessage> RecognizeAsync(HttpClient client, SpeechRecognitionRequest request) =>
        await client.PostAsJsonAsync("/api/v1/ai/speech/recognition", request, WireJson.Options).WaitAsync(TimeSpan.FromSeconds(60));

    public static async Task<SpeechRecognitionResponse> RecognizedAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"recognition answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<ApiResponse<SpeechRecognitionResponse>>(WireJson.Options))!.Data;
    }

    public static async Task<ApiErrorBody> ErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ApiErrorResponse>(WireJson.Options))!.Error;

    /// <summary>Word error rate: (substitutions + deletions + insertions) / reference words, by Levenshtein over words.</summary>
    public static (int Errors, int Words) WordErrors(string reference, string hypothesis)
    {
        var r = reference.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var h = hypothesis.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var d = new int[r.Length + 1, h.Length + 1];
        for (var i = 0; i <= r.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= h.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= r.Length; i++)
        {
            for (var j = 1; j <= h.Length; j++)
            {
                var substitution = d[i - 1, j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1);
                d[i, j] = Math.Min(substitution, Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1));
            }
        }
        return (d[r.Length, h.Length], r.Length);
    }
}
