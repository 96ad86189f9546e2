using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using WeCompany.Media.Dtls;
using WeCompany.Media.Ice;
using WeCompany.Media.Srtp;

namespace WeCompany.Media.Forwarding;

/// <summary>
/// The SFU's media engine: one UDP socket for every peer (ICE-lite, RFC 8445 §2.5), a receive loop that
/// demultiplexes by first byte (RFC 7983) — STUN to the <see cref="IceLiteAgent"/>, DTLS, RTP and RTCP to the
/// <see cref="MediaPeer"/> whose ICE check came from that address — and a tick that drives DTLS timers,
/// consent expiry, NACKs, key frame requests and congestion feedback. It knows nothing of meetings.
/// </summary>
/// <remarks>
/// The receive loop runs on its own thread with the allocation-free <see cref="SocketAddress"/> overloads and
/// one reused 1,500-byte buffer: every packet is handled to the end (decrypted, forwarded, each copy
/// protected) before the next is read, so nothing is allocated per packet. The protected copies are collected
/// by a <see cref="UdpBatchSender"/> and leave in one sendmmsg(2) call once no further datagram is waiting.
/// </remarks>
public sealed partial class MediaServer : IAsyncDisposable
{
    private const int DatagramSize = 1500;

    private readonly MediaServerOptions _options;
    private readonly TimeProvider _time;
    private readonly IceLiteAgent _agent;
    private readonly DtlsCertificate _certificate;
    private readonly DtlsContext _context;
    private readonly DtlsTransportOptions _dtlsOptions;
    private readonly ConcurrentDictionary<MediaPeer, byte> _peers = new();
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly CancellationTokenSource _stop = new();
    private Socket? _socket;
    private UdpBatchSender? _batch;
    private Thread? _receiveThread;
    private Task? _tickLoop;
    private long _receiveLoopAllocated;

    /// <summary>Whether publishers get congestion feedback; starts as <see cref="MediaServerOptions.CongestionFeedback"/>, may change at run time.</summary>
    public bool CongestionFeedback { get; set; }

    /// <summary>The REMB cap publishers get, bits per second; starts as <see cref="MediaServerOptions.MaxPublishBitrate"/>.</summary>
    public long MaxPublishBitrate { get; set; }

    /// <summary>Creates the server and its DTLS certificate (ECDSA P-256); nothing is bound until <see cref="Start"/>.</summary>
    public MediaServer(MediaServerOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new MediaServerOptions();
        CongestionFeedback = _options.CongestionFeedback;
        MaxPublishBitrate = _options.MaxPublishBitrate;
        _time = timeProvider ?? TimeProvider.System;
        _agent = new IceLiteAgent(_time, _options.ConsentTimeout);
        _certificate = DtlsCertificate.Generate("WeCompany SFU", _time);
        _context = new DtlsContext(_certificate);
        _dtlsOptions = new DtlsTransportOptions { HandshakeTimeout = _options.HandshakeTimeout, TimeProvider = _time };
    }

    /// <summary>Our certificate's fingerprint for a=fingerprint.</summary>
    public DtlsFingerprint Fingerprint => _certificate.Fingerprint;

    /// <summary>The bound address and port (after <see cref="Start"/>).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)(_socket ?? throw new InvalidOperationException("The media server is not started.")).LocalEndPoint!;

    /// <summary>Counters for metrics and tests.</summary>
    public MediaServerCounters Counters { get; } = new();

    /// <summary>Peers currently open.</summary>
    public int PeerCount => _peers.Count;

    /// <summary>Bytes the receive loop's thread has allocated, sampled every 64 datagrams (tests prove the hot path allocates nothing).</summary>
    internal long ReceiveLoopAllocatedBytes => Interlocked.Read(ref _receiveLoopAllocated);

    /// <summary>The ICE agent (exposed for diagnostics and tests).</summary>
    public IceLiteAgent IceAgent => _agent;

    /// <summary>Binds the socket and starts the receive loop and the tick.</summary>
    public void Start()
    {
        if (_socket is not null)
        {
            throw new InvalidOperationException("The media server is already started.");
        }

        // With port 0 the system picks the UDP port; its number may be taken for TCP (a client's ephemeral port): pick again.
        for (var attempt = 1; ; attempt++)
        {
            var socket = new Socket(_options.BindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.ReceiveBufferSize = _options.SocketBufferBytes;
                socket.SendBufferSize = _options.SocketBufferBytes;
                socket.Bind(new IPEndPoint(_options.BindAddress, _options.Port));
                if (_options.EnableTcp)
                {
                    StartTcp(((IPEndPoint)socket.LocalEndPoint!).Port);
                }
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse && _options.Port == 0 && attempt < 20)
            {
                socket.Dispose();
                continue;
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            _socket = socket;
            if (_options.SendBatchSize > 1)
            {
                _batch = new UdpBatchSender(socket, Counters, _options.SendBatchSize);
            }

            break;
        }

        _receiveThread = new Thread(ReceiveLoop) { IsBackground = true, Name = "media-receive" };
        _receiveThread.Start();
        _tickLoop = Task.Run(TickLoopAsync);
    }

    /// <summary>
    /// Creates a peer for one participant connection: an ICE session with fresh credentials (knowing the
    /// peer's ufrag and password from its SDP) and a DTLS server association expecting its fingerprint.
    /// </summary>
    public MediaPeer CreatePeer(string id, string remoteUfrag, string remotePassword, DtlsFingerprint remoteFingerprint)
    {
        var peer = CreatePeer(id);
        peer.SetRemoteDescription(remoteUfrag, remotePassword, remoteFingerprint);
        return peer;
    }

    /// <summary>
    /// Creates a peer whose SDP is not known yet (the server offers first to a receive-only participant):
    /// call <see cref="MediaPeer.SetRemoteDescription"/> when its answer arrives.
    /// </summary>
    public MediaPeer CreatePeer(string id)
    {
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        var session = _agent.CreateSession();
        var peer = new MediaPeer(this, id, session, _context, _dtlsOptions, _time);
        _peers[peer] = 0;
        return peer;
    }

    /// <summary>Stops the loops and closes every peer.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        foreach (var peer in _peers.Keys)
        {
            peer.Close("The media server stopped.");
        }

        _socket?.Dispose();
        await StopTcpAsync();
        _receiveThread?.Join(TimeSpan.FromSeconds(5));
        if (_tickLoop is not null)
        {
            await _tickLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }

        _context.Dispose();
        _certificate.Dispose();
        _stop.Dispose();
    }

    internal bool Send(ReadOnlySpan<byte> datagram, SocketAddress address, bool rtp)
    {
        var socket = _socket;
        if (socket is null)
        {
            return false;
        }

        if (!_tcpConnections.IsEmpty && _tcpConnections.TryGetValue(address, out var connection))
        {
            return SendTcp(connection, datagram, rtp);
        }

        // Under the dispatch lock (receive loop, TCP frames) copies wait for the batch; the tick sends at once.
        if (_batch is { } batch && _dispatchGate.IsHeldByCurrentThread && batch.TryAdd(datagram, address, rtp))
        {
            return true;
        }

        try
        {
            socket.SendTo(datagram, SocketFlags.None, address);
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref Counters.SendErrors);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        Interlocked.Increment(ref rtp ? ref Counters.RtpSent : ref Counters.RtcpSent);
        Interlocked.Add(ref Counters.BytesSent, datagram.Length);
        return true;
    }

    // Runs an action on the tick loop, outside any peer lock.
    internal void Post(Action action) => _posted.Enqueue(action);

    internal void Forget(MediaPeer peer, IceSession session)
    {
        _peers.TryRemove(peer, out _);
        _agent.Remove(session);
    }

    internal void CountSrtpFailure(SrtpResult result) =>
        Interlocked.Increment(ref result == SrtpResult.AuthFailed ? ref Counters.SrtpAuthFailures : ref Counters.SrtpOtherFailures);

    internal void CountMalformed() => Interlocked.Increment(ref Counters.Malformed);

    internal void CountUnknownSource() => Interlocked.Increment(ref Counters.UnknownSource);

    internal void CountMutedDrop() => Interlocked.Increment(ref Counters.MutedDrops);

    internal void CountNackSent() => Interlocked.Increment(ref Counters.NacksSent);

    internal void CountRetransmission() => Interlocked.Increment(ref Counters.Retransmissions);

    internal void CountKeyframeRequest() => Interlocked.Increment(ref Counters.KeyframeRequests);

    private void ReceiveLoop()
    {
        var socket = _socket!;
        var buffer = GC.AllocateArray<byte>(DatagramSize + 64, pinned: true);
        var response = new byte[DatagramSize];
        var remote = new SocketAddress(socket.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = socket.ReceiveFrom(buffer.AsSpan(0, DatagramSize), SocketFlags.None, remote);
            }
            catch (SocketException)
            {
                // ICMP port unreachable from a peer that left surfaces here on Linux; keep reading.
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var count = Interlocked.Increment(ref Counters.DatagramsReceived);
            Interlocked.Add(ref Counters.BytesReceived, length);
            lock (_dispatchGate)
            {
                HandleDatagram(buffer, length, remote, response);
                // More datagrams waiting (publishers' packets arrive in bursts): handle them first, so that their
                // copies share one system call; the batch also flushes itself when full.
                if (_batch is { Count: > 0 } batch && !IsMoreWaiting(socket))
                {
                    batch.Flush();
                }
            }

            if ((count & 63) == 0)
            {
                Interlocked.Exchange(ref _receiveLoopAllocated, GC.GetAllocatedBytesForCurrentThread());
            }
        }
    }

    private static bool IsMoreWaiting(Socket socket)
    {
        try
        {
            return socket.Available > 0;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private void HandleDatagram(byte[] buffer, int length, SocketAddress remote, byte[] response)
    {
        var datagram = buffer.AsSpan(0, length);
        var kind = PacketClassifier.Classify(datagram);
        if (kind == PacketKind.Stun)
        {
            var result = _agent.HandleStun(datagram, remote, response);
            if (result.ResponseLength > 0)
            {
                Send(response.AsSpan(0, result.ResponseLength), remote, rtp: false);
            }

            if (result.Outcome != IceCheckOutcome.SuccessResponse && result.Validation != Stun.StunValidationResult.Ok)
            {
                Interlocked.Increment(ref Counters.StunErrors);
            }

            return;
        }

        // RFC 8445 §7.3: only an address that passed a check speaks for a peer; everything else is dropped unread.
        if (kind == PacketKind.Unknown || !_agent.TryGetSession(remote, out var session) || session.Tag is not MediaPeer peer)
        {
            Interlocked.Increment(ref Counters.UnknownAddress);
            return;
        }

        switch (kind)
        {
            case PacketKind.Dtls:
                peer.OnDtls(datagram, remote);
                break;
            case PacketKind.Rtp:
                peer.OnRtp(buffer, length);
                break;
            case PacketKind.Rtcp:
                peer.OnRtcp(buffer, length);
                break;
        }
    }

    private async Task TickLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.TickInterval, _time);
        var lastSweep = _time.GetTimestamp();
        var expired = new List<IceSession>();
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                RunPosted();
                foreach (var peer in _peers.Keys)
                {
                    peer.OnTick();
                }

                RunPosted();
                if (_time.GetElapsedTime(lastSweep) >= TimeSpan.FromSeconds(1))
                {
                    lastSweep = _time.GetTimestamp();
                    expired.Clear();
                    _agent.Sweep(_time.GetUtcNow(), expired);
                    foreach (var session in expired)
                    {
                        (session.Tag as MediaPeer)?.Close("ICE consent expired (RFC 7675).");
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void RunPosted()
    {
        while (_posted.TryDequeue(out var action))
        {
            action();
        }
    }
}
