using System.Net;
using System.Net.Http.Json;
using System.Text;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Tests.Files;
using static WeCompany.Server.Tests.Speech.SpeechAudio;

namespace WeCompany.Server.Tests.Speech;

/// <summary>The bad speech inputs of issue 8, each answered clearly and each followed by a request that works.</summary>
public sealed class SpeechBadInputTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private HttpClient _client = null!;
    private readonly string _folder = Directory.CreateTempSubdirectory("wecompany-speech-").FullName;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(
            new Dictionary<string, string?> { ["Speech:MaxDurationSeconds"] = "5", ["Speech:MaxRequestBytes"] = "1000000" });
        (_, _client) = await _server.UserAsync("speaker");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task AssertRefusedThenAGoodRequestWorksAsync(HttpResponseMessage response, HttpStatusCode status, int code, string? detailsMention = null)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            var error = await ErrorAsync(response);
            Assert.Equal(code, error.Code);
            if (detailsMention is not null)
            {
                Assert.Contains(detailsMention, error.Details, StringComparison.Ordinal);
            }
        }
        using var good = await RecognizeAsync(_client, GoForward(), "pcm", "en", 16000);
        Assert.Equal("go forward ten meters", (await RecognizedAsync(good)).Text);
    }

    [Fact]
    public async Task AudioDataThatIsNotBase64IsRefused() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, new SpeechRecognitionRequest("this is *not* base64!", "en", "pcm", 16000)),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed, "base64");

    [Fact]
    public async Task EmptyAudioDataIsRefused() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, new SpeechRecognitionRequest("", "en", "pcm", 16000)),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed, "empty");

    [Fact]
    public async Task ABodyOverTheSizeLimitAnswers413() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, new byte[900_000], "pcm", "en", 16000),
            HttpStatusCode.RequestEntityTooLarge, ErrorCodes.FileTooLarge);

    [Fact]
    public async Task AudioLongerThanTheMaximumDurationAnswers413() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, new byte[6 * 8000 * 2], "pcm", "en", 8000),
            HttpStatusCode.RequestEntityTooLarge, ErrorCodes.FileTooLarge, "at most 5 s");

    [Theory]
    [InlineData(0)]
    [InlineData(-16000)]
    [InlineData(10_000_000)]
    public async Task AnAbsurdSampleRateIsRefused(int rate) =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, GoForward(), "pcm", "en", rate),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed, "sample_rate");

    [Fact]
    public async Task PcmWithoutASampleRateIsRefused() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, GoForward(), "pcm", "en", null),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed, "sample_rate");

    [Fact]
    public async Task AWavWithAnAbsurdRateInItsHeaderIsRefused() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, Wav(GoForward(), 1, 1, 3, 16)),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed, "sample rate");

    [Theory]
    [InlineData("mp3")]
    [InlineData("flac")]
    [InlineData("")]
    public async Task AnUnknownFormatIsRefusedNamingTheSupportedOnes(string format) =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, GoForward(), format, "en", 16000),
            HttpStatusCode.UnsupportedMediaType, ErrorCodes.FileTypeUnsupported, "\"wav\" or \"pcm\"");

    [Fact]
    public async Task ZeroSecondAudioIsRefused() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, Wav([], 1, 1, 16000, 16)),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed, "no samples");

    [Fact]
    public async Task OneByteOfPcmIsZeroSecondsAndRefused() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, [0x42], "pcm", "en", 16000),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed, "no samples");

    [Fact]
    public async Task AFileThatIsNotAWavIsRefused() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, Encoding.ASCII.GetBytes("ID3 this is an mp3, honest")),
            HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed, "RIFF");

    [Fact]
    public async Task A64BitFloatWavIsRefusedClearly() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, await GoForwardAsWavAsync(_folder, 16000, 1, "floating-point", 64)),
            HttpStatusCode.UnsupportedMediaType, ErrorCodes.FileTypeUnsupported, "64-bit float");

    [Fact]
    public async Task AnALawWavIsRefusedClearly() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, await GoForwardAsWavAsync(_folder, 8000, 1, "a-law", 8)),
            HttpStatusCode.UnsupportedMediaType, ErrorCodes.FileTypeUnsupported, "A-law");

    [Fact]
    public async Task AnUnsupportedLanguageAnswers40001NamingWhatIsSupported() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await RecognizeAsync(_client, GoForward(), "pcm", "fr", 16000),
            HttpStatusCode.ServiceUnavailable, ErrorCodes.AiUnavailable, "en (pocketsphinx)");

    [Fact]
    public async Task MalformedJsonIsRefused() =>
        await AssertRefusedThenAGoodRequestWorksAsync(
            await _client.PostAsync("/api/v1/ai/speech/recognition", new StringContent("{\"audio_data\": 12", Encoding.UTF8, "application/json")).WaitAsync(TimeSpan.FromSeconds(10)),
            HttpStatusCode.BadRequest, ErrorCodes.MalformedBody);

    [Fact]
    public async Task AWavHeaderLyingAboutItsLengthIsReadAsFarAsTheDataGoes()
    {
        var pcm = GoForward();
        var longer = Wav(pcm, 1, 1, 16000, 16, dataSize: 50_000_000, riffSize: 7);
        var streaming = Wav(pcm, 1, 1, 16000, 16, dataSize: uint.MaxValue);
        var zero = Wav(pcm, 1, 1, 16000, 16, dataSize: 0);

        foreach (var wav in new[] { longer, streaming, zero })
        {
            using var response = await RecognizeAsync(_client, wav);
            var result = await RecognizedAsync(response);
            Assert.Equal("go forward ten meters", result.Text);
            Assert.Equal(pcm.Length / 2 / 16000.0, result.Duration, 3);
        }
    }

    [Fact]
    public async Task EightBitAndFloatWavsAreConverted()
    {
        var eightBit = await GoForwardAsWavAsync(_folder, 16000, 1, "unsigned-integer", 8);
        var float32 = await GoForwardAsWavAsync(_folder, 16000, 1, "floating-point", 32);
        var twentyFour = await GoForwardAsWavAsync(_folder, 22050, 1, "signed-integer", 24);

        using var floatResponse = await RecognizeAsync(_client, float32);
        using var eightBitResponse = await RecognizeAsync(_client, eightBit);
        using var twentyFourResponse = await RecognizeAsync(_client, twentyFour);

        Assert.Equal("go forward ten meters", (await RecognizedAsync(floatResponse)).Text);
        Assert.Equal("go forward ten meters", (await RecognizedAsync(twentyFourResponse)).Text);
        // 8-bit keeps 48 dB of dynamic range: it is decoded; what the model makes of it is its business.
        Assert.Equal(2.786, (await RecognizedAsync(eightBitResponse)).Duration, 2);
    }

    [Fact]
    public async Task WithoutATokenRecognitionIsRefused()
    {
        using var response = await _server.Client.PostAsJsonAsync("/api/v1/ai/speech/recognition",
            new SpeechRecognitionRequest(Convert.ToBase64String(GoForward()), "en", "pcm", 16000), WireJson.Options).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
