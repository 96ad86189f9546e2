using WeCompany.Media.Dtls;

namespace WeCompany.Media.Tests.Dtls;

/// <summary>
/// Two transports wired back to back through in-memory datagram queues, driven on the test thread (the
/// transports are single-threaded by contract). A drop rule can lose chosen datagrams on the way.
/// </summary>
internal sealed class DtlsLink : IDisposable
{
    private readonly Queue<byte[]> _toServer = new();
    private readonly Queue<byte[]> _toClient = new();

    public DtlsLink(DtlsContext clientContext, DtlsContext serverContext, DtlsFingerprint? clientExpects = null, DtlsFingerprint? serverExpects = null, DtlsTransportOptions? options = null)
    {
        Client = new DtlsTransport(clientContext, DtlsRole.Client, clientExpects ?? serverContext.Certificate.Fingerprint, datagram => Carry(datagram, fromClient: true), options);
        Server = new DtlsTransport(serverContext, DtlsRole.Server, serverExpects ?? clientContext.Certificate.Fingerprint, datagram => Carry(datagram, fromClient: false), options);
    }

    public DtlsTransport Client { get; }

    public DtlsTransport Server { get; }

    /// <summary>Returns true for a datagram to lose: (sent by the client?, its number from that side, bytes).</summary>
    public Func<bool, int, byte[], bool>? Drop { get; set; }

    public List<byte[]> SentByClient { get; } = [];

    public List<byte[]> SentByServer { get; } = [];

    /// <summary>Delivers queued datagrams until both queues are empty.</summary>
    public void Pump()
    {
        while (_toServer.Count > 0 || _toClient.Count > 0)
        {
            if (_toServer.TryDequeue(out var toServer))
            {
                Server.Feed(toServer);
            }

            if (_toClient.TryDequeue(out var toClient))
            {
                Client.Feed(toClient);
            }
        }
    }

    /// <summary>Starts both sides and pumps, driving both timers, until both are connected or one fails.</summary>
    public bool Handshake(TimeSpan timeout)
    {
        Server.Start();
        Client.Start();
        return RunUntil(() => Client.State == DtlsState.Connected && Server.State == DtlsState.Connected, timeout);
    }

    /// <summary>Pumps and ticks the timers until the condition holds, a side fails, or the timeout passes.</summary>
    public bool RunUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            Pump();
            if (condition())
            {
                return true;
            }

            if (Client.State == DtlsState.Failed || Server.State == DtlsState.Failed)
            {
                return false;
            }

            Client.OnTimer();
            Server.OnTimer();
            Pump();
            if (condition())
            {
                return true;
            }

            // Waiting for OpenSSL's retransmission timer (100 ms first): poll it rather than sleep a fixed time.
            Thread.Sleep(5);
        }

        return condition();
    }

    private void Carry(ReadOnlySpan<byte> datagram, bool fromClient)
    {
        var copy = datagram.ToArray();
        var sent = fromClient ? SentByClient : SentByServer;
        sent.Add(copy);
        if (Drop?.Invoke(fromClient, sent.Count, copy) == true)
        {
            return;
        }

        (fromClient ? _toServer : _toClient).Enqueue(copy);
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(GetTimestamp());

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
