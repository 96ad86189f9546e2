using System.Net;
using WeCompany.Media.Forwarding;

namespace WeCompany.Media.Tests.Forwarding;

/// <summary>A media server on 127.0.0.1 (port 0) and helpers that connect loopback clients to it.</summary>
internal sealed class SfuLoopback : IAsyncDisposable
{
    private readonly List<LoopbackClientPeer> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _publishers = [];

    private SfuLoopback(MediaServer server) => Server = server;

    public MediaServer Server { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Server.LocalEndPoint.Port);

    public static SfuLoopback Start(MediaServerOptions? options = null)
    {
        options ??= new MediaServerOptions();
        options.BindAddress = IPAddress.Loopback;
        options.Port = 0;
        var server = new MediaServer(options);
        server.Start();
        return new SfuLoopback(server);
    }

    public async Task<(LoopbackClientPeer Client, MediaPeer Peer)> ConnectAsync(string id, bool tcp = false)
    {
        var client = new LoopbackClientPeer(tcp);
        _clients.Add(client);
        var peer = Server.CreatePeer(id, client.Ice.Ufrag, client.Ice.Password, client.Fingerprint);
        await client.ConnectAsync(EndPoint, peer.LocalIceCredentials, Server.Fingerprint);
        await WaitUntilAsync(() => peer.State == MediaPeerState.Connected);
        return (client, peer);
    }

    /// <summary>
    /// Publishes synthetic VP8 on <paramref name="ssrc"/> every 5 ms until disposal: a key frame every tenth
    /// packet (descriptor S=1, PID 0, payload header P=0), otherwise delta frames.
    /// </summary>
    public void PublishVideo(LoopbackClientPeer client, uint ssrc, ushort firstSequence = 1000)
    {
        _publishers.Add(Task.Run(async () =>
        {
            var sequence = firstSequence;
            var timestamp = 90_000u;
            while (!_stop.IsCancellationRequested)
            {
                var keyframe = sequence % 10 == 0;
                byte[] payload = [0x10, keyframe ? (byte)0x00 : (byte)0x01, 0xAB, 0xCD, (byte)sequence, (byte)(sequence >> 8)];
                client.SendRtp(ssrc, sequence, timestamp, 96, payload);
                sequence++;
                timestamp += 3000;
                try
                {
                    await Task.Delay(5, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }));
    }

    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not hold within 10 s.");
            }

            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_publishers).WaitAsync(TimeSpan.FromSeconds(5));
        await Server.DisposeAsync();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }
}
