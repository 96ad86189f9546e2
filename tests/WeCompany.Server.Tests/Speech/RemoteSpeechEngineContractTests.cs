using System.Net;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Speech;
using WeCompany.Server.Tests.Files;
using static WeCompany.Server.Tests.Speech.SpeechAudio;

namespace WeCompany.Server.Tests.Speech;

/// <summary>
/// The remote engine against <see cref="TranscriptionContractServer"/>: a contract test of the
/// /v1/audio/transcriptions exchange, not of a real whisper model.
/// </summary>
public sealed class RemoteSpeechEngineContractTests
{
    private static Task<TestServer> StartAsync(string url, string key, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Speech:Remote:Url"] = url,
            ["Speech:Remote:ApiKey"] = key,
            ["Speech:Remote:Model"] = "whisper-small",
            ["Speech:Remote:Languages:0"] = "zh",
        };
        foreach (var (k, v) in extra ?? [])
        {
            settings[k] = v;
        }
        return TestServer.StartAsync(settings);
    }

    [Fact]
    public async Task ChineseGoesToTheRemoteServerAsSixteenKilohertzMonoWavAndItsAnswerComesBack()
    {
        await using var remote = await TranscriptionContractServer.StartAsync("sk-test");
        await using var server = await StartAsync(remote.Url, "sk-test");
        var (_, client) = await server.UserAsync("zhspeaker");
        var stereo = await GoForwardAsWavAsync(Directory.CreateTempSubdirectory().FullName, 48000, 2, "signed-integer", 16);

        using var response = await RecognizeAsync(client, stereo, language: "zh-CN");
        var result = await RecognizedAsync(response);
        using var english = await RecognizeAsync(client, GoForward(), "pcm", "en", 16000);

        Assert.Equal("2.79 s of 16000 Hz 1-channel audio in zh for whisper-small", result.Text);
        Assert.Equal("zh", result.Language);
        Assert.Equal(Math.Round(Math.Exp(-0.2), 3), result.Confidence, 3);
        // English stays with the embedded engine: the remote one lists only zh here.
        Assert.Equal("go forward ten meters", (await RecognizedAsync(english)).Text);
    }

    [Fact]
    public async Task ARemoteServerThatRefusesAnswers40002ThenAGoodOneWorks()
    {
        await using var remote = await TranscriptionContractServer.StartAsync("sk-right");
        await using var server = await StartAsync(remote.Url, "sk-wrong");
        var (_, client) = await server.UserAsync("refused");

        using var response = await RecognizeAsync(client, GoForward(), "pcm", "zh", 16000);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal(ErrorCodes.AiFailed, error.Code);
        Assert.Contains("401", error.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-wrong", error.Details, StringComparison.Ordinal);
        using var good = await RecognizeAsync(client, GoForward(), "pcm", "en", 16000);
        Assert.Equal("go forward ten meters", (await RecognizedAsync(good)).Text);
    }

    [Fact]
    public async Task AnUnreachableRemoteServerAnswers40002()
    {
        await using var server = await StartAsync("http://127.0.0.1:9", "sk");
        var (_, client) = await server.UserAsync("unreachable");

        using var response = await RecognizeAsync(client, GoForward(), "pcm", "zh", 16000);

        Assert.Equal(ErrorCodes.AiFailed, (await ErrorAsync(response)).Code);
    }

    [Fact]
    public async Task AFullQueueAnswers429AndTheQueuedWorkStillCompletes()
    {
        await using var remote = await TranscriptionContractServer.StartAsync("sk");
        remote.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(remote.Url, "sk", new() { ["Speech:Workers"] = "1", ["Speech:QueueCapacity"] = "1" });
        var (_, client) = await server.UserAsync("queued");
        var audio = GoForward();

        var running = RecognizeAsync(client, audio, "pcm", "zh", 16000);
        await FileUploads.EventuallyAsync(() => remote.Received == 1, "the worker is busy with the first request");
        var queued = RecognizeAsync(client, audio, "pcm", "zh", 16000);
        // The second request waits in the queue (capacity 1), so the third finds it full.
        var speechQueue = server.Service<SpeechQueue>();
        await FileUploads.EventuallyAsync(() => speechQueue.Waiting == 1, "the second request is queued");
        using var refused = await RecognizeAsync(client, audio, "pcm", "zh", 16000);
        Assert.False(queued.IsCompleted);
        remote.Gate.SetResult();

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(ErrorCodes.AiBusy, (await ErrorAsync(refused)).Code);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await running.WaitAsync(TimeSpan.FromSeconds(30))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await queued.WaitAsync(TimeSpan.FromSeconds(30))).StatusCode);
        using var after = await RecognizeAsync(client, audio, "pcm", "zh", 16000);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
