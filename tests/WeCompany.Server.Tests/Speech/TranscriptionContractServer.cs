using System.Buffers.Binary;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WeCompany.Server.Tests.Speech;

/// <summary>
/// A small HTTP server speaking the OpenAI-compatible <c>POST /v1/audio/transcriptions</c> contract (multipart:
/// file, model, language, response_format; bearer key; JSON answer with text and segments). It is not a
/// speech engine: its text describes what it received (the WAV's rate, channels and length, the language),
/// which is what the contract test checks. <see cref="Gate"/> can hold answers back to fill the queue.
/// </summary>
public sealed class TranscriptionContractServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _received;

    private TranscriptionContractServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Requests wait on this before being answered; completed by default.</summary>
    public TaskCompletionSource Gate { get; set; } = CompletedGate();

    /// <summary>Requests that reached the handler.</summary>
    public int Received => Volatile.Read(ref _received);

    public static async Task<TranscriptionContractServer> StartAsync(string apiKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new TranscriptionContractServer(app);
        app.MapPost("/v1/audio/transcriptions", async (HttpContext context) =>
        {
            Interlocked.Increment(ref server._received);
            await server.Gate.Task.WaitAsync(TimeSpan.FromSeconds(30));
            if (context.Request.Headers.Authorization != "Bearer " + apiKey)
            {
                return Results.Json(new { error = new { message = "Incorrect API key provided" } }, statusCode: 401);
            }
            var form = await context.Request.ReadFormAsync();
            var file = form.Files["file"];
            if (file is null || string.IsNullOrEmpty(form["model"]) || form["response_format"] != "verbose_json")
            {
                return Results.Json(new { error = new { message = "file, model and response_format are required" } }, statusCode: 400);
            }
            using var content = new MemoryStream();
            await file.CopyToAsync(content);
            var wav = content.ToArray();
            var channels = BinaryPrimitives.ReadUInt16LittleEndian(wav.AsSpan(22));
            var rate = BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(24));
            var seconds = BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(40)) / 2.0 / rate / channels;
            var text = string.Create(CultureInfo.InvariantCulture, $"{seconds:0.00} s of {rate} Hz {channels}-channel audio in {form["language"]} for {form["model"]}");
            return Results.Json(new
            {
                task = "transcribe",
                language = form["language"].ToString(),
                duration = seconds,
                text,
                segments = new[] { new { id = 0, avg_logprob = -0.25 }, new { id = 1, avg_logprob = -0.15 } },
            });
        });
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Gate.TrySetResult();
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }
}
