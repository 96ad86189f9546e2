using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using WeCompany.Bench.Sfu;
using WeCompany.Media.Forwarding;

// SFU forwarding benchmark: N publishers of synthetic 1 Mbit/s VP8-like video to M subscribers on loopback through
// the real MediaServer (ICE-lite, DTLS, SRTP both ways), then, in the same run, a bare socket loop sending the same
// number of 1,200-byte datagrams per second. Usage: run.sh [--runs 1x1,10x10,10x50] [--seconds 10] [--batch 256]
// [--receivers block|poll] (--batch: datagrams per sendmmsg call, MediaServerOptions.SendBatchSize; 1 sends each copy
// on its own. --receivers poll: subscribers drain their sockets every 5 ms instead of blocking, see BenchClient).
var runs = "1x1,5x5,10x10,10x40,20x40";
var seconds = 10;
var batch = new MediaServerOptions().SendBatchSize;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--runs": runs = args[i + 1]; break;
        case "--seconds": seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--batch": batch = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--receivers": BenchClient.PollReceivers = args[i + 1] == "poll"; break;
        default: throw new ArgumentException($"Unknown option {args[i]}");
    }
}

const int PacketSize = 1200;
const int Bitrate = 1_000_000;
var packetsPerPublisher = Bitrate / 8.0 / PacketSize;
var ceiling = Baseline.Run(rate: double.PositiveInfinity, TimeSpan.FromSeconds(3), PacketSize);
Console.WriteLine($"Bare socket ceiling on one thread: {ceiling.PacketsPerSecond:N0} datagrams/s of {PacketSize} bytes ({Environment.ProcessorCount} vCPU); send batch {batch}, receivers {(BenchClient.PollReceivers ? "poll" : "block")}.");
Console.WriteLine();
Console.WriteLine("| Publishers | Subscribers | Packets/s in | Packets/s out | Bytes/s out | SFU CPU % (forwarding thread) | Process CPU % | µs CPU per packet out | Baseline: same datagrams/s, CPU % | Received by subscribers/s |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var spec in runs.Split(','))
{
    var parts = spec.Split('x');
    var publishers = int.Parse(parts[0], CultureInfo.InvariantCulture);
    var subscribers = int.Parse(parts[1], CultureInfo.InvariantCulture);
    var result = await SfuRun.RunAsync(publishers, subscribers, packetsPerPublisher, TimeSpan.FromSeconds(seconds), PacketSize, batch);
    var baseline = Baseline.Run(result.PacketsOutPerSecond, TimeSpan.FromSeconds(seconds), PacketSize);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {publishers} | {subscribers} | {result.PacketsInPerSecond:N0} | {result.PacketsOutPerSecond:N0} | {result.BytesOutPerSecond / 1e6:N1} MB | {result.ForwardingCpuPercent:N1} | {result.ProcessCpuPercent:N1} | {result.MicrosecondsPerPacket:N2} | {baseline.CpuPercent:N1} | {result.ReceivedPerSecond:N0} |"));
}

internal sealed record SfuResult(double PacketsInPerSecond, double PacketsOutPerSecond, double BytesOutPerSecond, double ForwardingCpuPercent, double ProcessCpuPercent, double MicrosecondsPerPacket, double ReceivedPerSecond);

internal static class SfuRun
{
    public static async Task<SfuResult> RunAsync(int publisherCount, int subscriberCount, double packetsPerPublisher, TimeSpan duration, int packetSize, int batch)
    {
        await using var server = new MediaServer(new MediaServerOptions { BindAddress = IPAddress.Loopback, Port = 0, SendBatchSize = batch });
        server.Start();
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port);
        var publishers = new List<(BenchClient Client, uint Ssrc)>();
        var subscribers = new List<BenchClient>();
        try
        {
            var tracks = new List<PublishedTrack>();
            for (var i = 0; i < publisherCount; i++)
            {
                var client = new BenchClient();
                var peer = server.CreatePeer($"pub{i}", client.Ice.Ufrag, client.Ice.Password, client.Fingerprint);
                await client.ConnectAsync(endPoint, peer.LocalIceCredentials, server.Fingerprint);
                var ssrc = (uint)(1000 + i);
                tracks.Add(peer.AddPublishedTrack(new PublishedTrackOptions { Ssrc = ssrc, Kind = MediaKind.Video, Mid = "0", Vp8PayloadTypes = [96] }));
                publishers.Add((client, ssrc));
            }

            for (var i = 0; i < subscriberCount; i++)
            {
                var client = new BenchClient();
                var peer = server.CreatePeer($"sub{i}", client.Ice.Ufrag, client.Ice.Password, client.Fingerprint);
                await client.ConnectAsync(endPoint, peer.LocalIceCredentials, server.Fingerprint);
                await WaitAsync(() => peer.State == MediaPeerState.Connected);
                for (var t = 0; t < tracks.Count; t++)
                {
                    peer.AddDownTrack((uint)(50_000 + t), MediaKind.Video, 90000, tracks[t]);
                }

                subscribers.Add(client);
            }

            using var stop = new CancellationTokenSource();
            var sender = new Thread(() => Publish(publishers, packetsPerPublisher, packetSize, stop.Token)) { IsBackground = true, Name = "bench-publish" };
            sender.Start();
            await Task.Delay(TimeSpan.FromSeconds(2)); // warm-up: key frames, JIT, buffers

            var receiveThread = ThreadCpu.FindThread("media-receive");
            var counters = server.Counters;
            var (inBefore, outBefore, bytesBefore) = (counters.DatagramsReceivedTotal, counters.RtpSentTotal, counters.BytesSentTotal);
            var receivedBefore = subscribers.Sum(s => s.Received);
            var cpuBefore = ThreadCpu.Seconds(receiveThread);
            var processBefore = ThreadCpu.Seconds();
            var clock = Stopwatch.StartNew();
            await Task.Delay(duration);
            var elapsed = clock.Elapsed.TotalSeconds;
            var cpu = ThreadCpu.Seconds(receiveThread) - cpuBefore;
            var process = ThreadCpu.Seconds() - processBefore;
            var packetsOut = counters.RtpSentTotal - outBefore;
            var result = new SfuResult(
                (counters.DatagramsReceivedTotal - inBefore) / elapsed,
                packetsOut / elapsed,
                (counters.BytesSentTotal - bytesBefore) / elapsed,
                100 * cpu / elapsed,
                100 * process / elapsed,
                packetsOut == 0 ? 0 : cpu * 1e6 / packetsOut,
                (subscribers.Sum(s => s.Received) - receivedBefore) / elapsed);
            await stop.CancelAsync();
            sender.Join();
            return result;
        }
        finally
        {
            publishers.ForEach(p => p.Client.Dispose());
            subscribers.ForEach(s => s.Dispose());
        }
    }

    // Paces every publisher at its packet rate from one thread; a key frame every 30 packets keeps subscribers fed.
    private static void Publish(List<(BenchClient Client, uint Ssrc)> publishers, double rate, int packetSize, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        long sent = 0;
        ushort sequence = 1;
        while (!stop.IsCancellationRequested)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            while (sent < due)
            {
                sent++;
                sequence++;
                foreach (var (client, ssrc) in publishers)
                {
                    client.SendVideo(ssrc, sequence, (uint)(sequence * 3000), sequence % 30 == 0, packetSize);
                }
            }

            Thread.Sleep(1);
        }
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("A peer did not connect within 10 s.");
            }

            await Task.Delay(10);
        }
    }
}

internal sealed record BaselineResult(double PacketsPerSecond, double CpuPercent);

internal static class Baseline
{
    /// <summary>Sends <paramref name="size"/>-byte datagrams to a loopback sink at <paramref name="rate"/> per second (unpaced when infinite).</summary>
    public static BaselineResult Run(double rate, TimeSpan duration, int size)
    {
        BaselineResult? result = null;
        var thread = new Thread(() => result = Send(rate, duration, size)) { Name = "bench-baseline" };
        thread.Start();
        thread.Join();
        return result!;
    }

    private static BaselineResult Send(double rate, TimeSpan duration, int size)
    {
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = sink.LocalEndPoint!.Serialize();
        var datagram = new byte[size];
        var cpuBefore = ThreadCpu.CurrentThreadSeconds();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (clock.Elapsed < duration)
        {
            var due = double.IsPositiveInfinity(rate) ? sent + 64 : (long)(clock.Elapsed.TotalSeconds * rate);
            while (sent < due)
            {
                socket.SendTo(datagram, SocketFlags.None, target);
                sent++;
            }

            if (!double.IsPositiveInfinity(rate))
            {
                Thread.Sleep(1);
            }
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        return new BaselineResult(sent / elapsed, 100 * (ThreadCpu.CurrentThreadSeconds() - cpuBefore) / elapsed);
    }
}
