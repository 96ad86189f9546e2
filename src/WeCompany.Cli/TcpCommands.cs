using System.Globalization;
using WeCompany.Client.Rest;
using WeCompany.Client.Tcp;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Cli;

/// <summary>The commands that talk to a server: login over REST, the rest over the TCP protocol.</summary>
public sealed class TcpCommands(CliArguments args, TextWriter stdout, TextWriter stderr)
{
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(60);

    private string SessionPath => args.Get("--session") ?? CliSession.DefaultPath;

    public async Task<int> LoginAsync(CancellationToken ct)
    {
        var saved = CliSession.Load(SessionPath);
        var server = args.Get("--server") ?? saved?.Server ?? "http://127.0.0.1:8080";
        var tcp = args.Get("--tcp") ?? saved?.Tcp ?? "127.0.0.1:8888";
        var username = args.Positional[0];
        var password = args.Positional.Count > 1 ? args.Positional[1] : Environment.GetEnvironmentVariable("WECOMPANY_PASSWORD");
        if (string.IsNullOrEmpty(password))
        {
            stderr.Write("password: ");
            password = Console.ReadLine() ?? "";
        }
        using var http = new HttpClient { BaseAddress = new Uri(server), Timeout = TimeSpan.FromSeconds(30) };
        var result = await new AuthClient(http).LoginAsync(username, password, ct);
        new CliSession(server, tcp, result.UserId, result.Username, result.Token).Save(SessionPath);
        stdout.WriteLine($"signed in as {result.Username} (user id {result.UserId}); session saved to {SessionPath}");
        return 0;
    }

    public async Task<int> SendAsync(long to, string text, CancellationToken ct)
    {
        await using var client = await ConnectAsync(ct);
        var failed = new TaskCompletionSource<TcpErrorBody>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ErrorReceived += e => failed.TrySetResult(e);
        await client.SendTextAsync(to, text, ct);
        // The server answers only failures; a heartbeat round trip proves the text was handled.
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.HeartbeatReceived += () => answered.TrySetResult();
        await client.SendHeartbeatAsync(ct);
        await Task.WhenAny(failed.Task, answered.Task).WaitAsync(TimeSpan.FromSeconds(10), ct);
        // Frames are dispatched in order on the read loop, so an ERROR for the text has been seen by the time the
        // heartbeat's answer is; which Task.WhenAny reports first is not reliable (both complete asynchronously).
        if (failed.Task.IsCompleted)
        {
            stderr.WriteLine($"error: {failed.Task.Result.Message} ({failed.Task.Result.Code})");
            return 1;
        }
        stdout.WriteLine($"sent to {to}");
        return 0;
    }

    public async Task<int> ListenAsync(CancellationToken ct)
    {
        await using var client = await ConnectAsync(ct);
        var answer = args.Has("--answer");
        var tone = new TestTone();
        var received = 0L;
        client.TextReceived += t => stdout.WriteLine($"[text] {t.From}: {t.Text}");
        client.FileReceived += f =>
        {
            var path = Path.Combine(Environment.CurrentDirectory, Path.GetFileName(f.Name));
            stdout.WriteLine($"[file] {f.From}: {f.Name} ({f.Content.Length} bytes) → {path}");
            if (!File.Exists(path))
            {
                File.WriteAllBytes(path, f.Content);
            }
        };
        client.ErrorReceived += e => stdout.WriteLine($"[error] {e.Code}: {e.Message}");
        client.MediaReceived += (from, _, media) =>
        {
            if (Interlocked.Increment(ref received) % 50 == 1)
            {
                stdout.WriteLine($"[media] {from}: {received} frames so far ({media.Length} bytes each)");
            }
        };
        client.CallSignalReceived += signal =>
        {
            stdout.WriteLine($"[call] {signal.Type} with {signal.Peer}: {signal.CallId} {signal.State} {signal.Reason}");
            if (answer && signal.Type == FrameType.CallRequest && signal.State == CallStates.Incoming)
            {
                _ = AnswerAsync(client, signal, tone, ct);
            }
        };
        stdout.WriteLine($"listening as user {client.UserId}; Ctrl-C to stop");
        var closed = client.Completion;
        while (!ct.IsCancellationRequested && !closed.IsCompleted)
        {
            await Task.WhenAny(closed, Task.Delay(HeartbeatEvery, ct));
            if (!closed.IsCompleted && !ct.IsCancellationRequested)
            {
                await client.SendHeartbeatAsync(ct);
            }
        }
        stdout.WriteLine("disconnected");
        return 0;
    }

    private static async Task AnswerAsync(WeCompanyTcpClient client, CallSignal call, TestTone tone, CancellationToken ct)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.CallSignalReceived += s =>
        {
            if (s.CallId == call.CallId && s.Type is FrameType.CallEnd or FrameType.CallReject)
            {
                ended.TrySetResult();
            }
        };
        await client.AcceptCallAsync(call.Peer, call.CallId, ct);
        await StreamToneAsync(client, call.Peer, call.CallId, tone, ended.Task, TimeSpan.FromHours(1), ct);
    }

    public async Task<int> CallAsync(long callee, CancellationToken ct)
    {
        var seconds = double.Parse(args.Get("--seconds") ?? "5", CultureInfo.InvariantCulture);
        await using var client = await ConnectAsync(ct);
        var accepted = new TaskCompletionSource<CallSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource<CallSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        long frames = 0, bytes = 0;
        client.CallSignalReceived += s =>
        {
            if (s.Type == FrameType.CallAccept)
            {
                accepted.TrySetResult(s);
            }
            else if (s.Type is FrameType.CallEnd or FrameType.CallReject)
            {
                ended.TrySetResult(s);
                accepted.TrySetResult(s);
            }
        };
        client.MediaReceived += (_, _, media) =>
        {
            Interlocked.Increment(ref frames);
            Interlocked.Add(ref bytes, media.Length);
        };
        var ringing = await client.PlaceCallAsync(callee, args.Has("--video"), ct);
        if (ringing.Type == FrameType.CallReject)
        {
            stdout.WriteLine($"call rejected: {ringing.Reason}");
            return 1;
        }
        stdout.WriteLine($"ringing {callee} (call {ringing.CallId})");
        var answer = await accepted.Task.WaitAsync(AnswerWait, ct);
        if (answer.Type != FrameType.CallAccept)
        {
            stdout.WriteLine($"call not answered: {answer.Reason}");
            return 1;
        }
        stdout.WriteLine($"accepted; sending a 440 Hz tone for {seconds} s");
        var sent = await StreamToneAsync(client, callee, ringing.CallId, new TestTone(), ended.Task.ContinueWith(_ => { }, TaskScheduler.Default), TimeSpan.FromSeconds(seconds), ct);
        if (!ended.Task.IsCompleted)
        {
            await client.EndCallAsync(callee, ringing.CallId, ct);
        }
        stdout.WriteLine($"sent {sent} media frames; received {Interlocked.Read(ref frames)} frames ({Interlocked.Read(ref bytes)} bytes)");
        return 0;
    }

    private static async Task<long> StreamToneAsync(WeCompanyTcpClient client, long peer, string callId, TestTone tone, Task ended, TimeSpan length, CancellationToken ct)
    {
        var frame = new byte[TestTone.SamplesPerFrame * 2];
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(TestTone.FrameMilliseconds));
        var stopAt = DateTime.UtcNow + length;
        long sent = 0;
        while (!ended.IsCompleted && DateTime.UtcNow < stopAt && await timer.WaitForNextTickAsync(ct))
        {
            tone.Next(frame);
            await client.SendMediaAsync(peer, callId, frame, ct);
            sent++;
        }
        return sent;
    }

    private async Task<WeCompanyTcpClient> ConnectAsync(CancellationToken ct)
    {
        var session = CliSession.Load(SessionPath) ?? throw new InvalidOperationException("Not signed in: run `wecompany login USERNAME` first.");
        var address = args.Get("--tcp") ?? session.Tcp;
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new FormatException($"--tcp wants HOST:PORT, not '{address}'.");
        }
        var options = new WeCompanyTcpClientOptions { UseTls = args.Has("--tls"), AllowUntrustedCertificate = args.Has("--insecure") };
        var client = await WeCompanyTcpClient.ConnectAsync(address[..colon], port, options, ct);
        try
        {
            await client.RegisterAsync(session.UserId, session.Token, ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
        return client;
    }
}
