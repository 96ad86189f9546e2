using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using WeCompany.Media.Dtls;
using WeCompany.Media.Ice;
using WeCompany.Media.Srtp;

namespace WeCompany.Media.Forwarding;

/// <summary>Where a <see cref="MediaPeer"/> stands.</summary>
public enum MediaPeerState
{
    /// <summary>Created; waiting for ICE checks and the DTLS handshake.</summary>
    Connecting,

    /// <summary>DTLS finished and SRTP keys exist: media flows.</summary>
    Connected,

    /// <summary>Closed (left, handshake deadline, DTLS failure, consent expiry); see <see cref="MediaPeer.CloseReason"/>.</summary>
    Closed,
}

/// <summary>
/// One participant connection on the media server: its ICE-lite session, the DTLS server-role association,
/// the two SRTP sessions, the tracks it publishes and the down-tracks it receives.
/// </summary>
/// <remarks>
/// DTLS state is guarded by one lock (the receive loop feeds it, the server's tick drives its timer); the
/// sending SRTP session by another (forwarding, retransmission and RTCP from any thread). The receiving
/// SRTP session is used by the receive loop alone.
/// </remarks>
public sealed partial class MediaPeer : IDisposable
{
    private readonly Lock _dtlsGate = new();
    private readonly Lock _sendGate = new();
    private readonly IceSession _ice;
    private readonly DtlsContext _context;
    private readonly DtlsTransportOptions _dtlsOptions;
    private readonly TimeProvider _time;
    private DtlsTransport? _dtls;
    private readonly ConcurrentDictionary<uint, PublishedTrack> _publishedBySsrc = new();
    private readonly ConcurrentDictionary<uint, DownTrack> _downTracksBySsrc = new();
    private SrtpSession? _send;
    private SrtpSession? _receive;
    private SocketAddress? _dtlsRemote;
    private volatile MediaPeerState _state = MediaPeerState.Connecting;

    internal MediaPeer(MediaServer server, string id, IceSession ice, DtlsContext context, DtlsTransportOptions dtlsOptions, TimeProvider time)
    {
        Server = server;
        Id = id;
        _ice = ice;
        _time = time;
        _context = context;
        _dtlsOptions = dtlsOptions;
        ice.Tag = this;
        RtcpSsrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
    }

    /// <summary>Whether the peer's ICE credentials and DTLS fingerprint are known (its offer or answer arrived).</summary>
    public bool HasRemoteDescription => Volatile.Read(ref _dtls) is not null;

    /// <summary>
    /// Sets what the peer's SDP says about its transport: ICE credentials (again on an ICE restart) and, the
    /// first time, the certificate fingerprint, which starts the DTLS server and its handshake deadline.
    /// </summary>
    public void SetRemoteDescription(string iceUfrag, string icePassword, DtlsFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        _ice.SetRemoteCredentials(iceUfrag, icePassword);
        lock (_dtlsGate)
        {
            if (_dtls is not null || _state == MediaPeerState.Closed)
            {
                return;
            }

            var dtls = new DtlsTransport(_context, DtlsRole.Server, fingerprint, SendDtls, _dtlsOptions);
            dtls.StateChanged += OnDtlsStateChanged;
            // Starts the handshake deadline: a peer that never completes DTLS is dropped after it.
            dtls.Start();
            Volatile.Write(ref _dtls, dtls);
        }
    }

    /// <summary>Raised when <see cref="State"/> changes (on the receive loop or the server's tick: return quickly).</summary>
    public event Action<MediaPeer, MediaPeerState>? StateChanged;

    /// <summary>The owner's name for this peer (the signaling peer id).</summary>
    public string Id { get; }

    /// <summary>The server the peer lives on.</summary>
    public MediaServer Server { get; }

    /// <summary>Our ICE ufrag and password for this peer (put them in every SDP we send it).</summary>
    public IceCredentials LocalIceCredentials => _ice.LocalCredentials;

    /// <summary>Where the peer stands.</summary>
    public MediaPeerState State => _state;

    /// <summary>Why the peer closed.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>The sender SSRC of RTCP the server originates toward this peer (PLI, NACK, feedback).</summary>
    public uint RtcpSsrc { get; }

    /// <summary>The header extension ids of this peer's offer (audio level, transport-wide sequence number).</summary>
    public RtpExtensionIds ExtensionIds { get; set; } = RtpExtensionIds.None;

    /// <summary>The address media is sent to: the nominated pair, else the address DTLS came from.</summary>
    public SocketAddress? RemoteAddress => _ice.SelectedAddress ?? _dtlsRemote;

    /// <summary>Tracks this peer publishes.</summary>
    public IReadOnlyCollection<PublishedTrack> PublishedTracks => [.. _publishedBySsrc.Values.Distinct()];

    /// <summary>Down-tracks this peer receives.</summary>
    public IReadOnlyCollection<DownTrack> DownTracks => [.. _downTracksBySsrc.Values];

    /// <summary>Registers an incoming track from the peer's SDP; packets with its SSRC (or RTX SSRC) are forwarded from now on.</summary>
    public PublishedTrack AddPublishedTrack(PublishedTrackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var track = new PublishedTrack(this, options, _time);
        _publishedBySsrc[options.Ssrc] = track;
        if (options.RtxSsrc is { } rtx)
        {
            _publishedBySsrc[rtx] = track;
        }

        return track;
    }

    /// <summary>Removes a published track; its subscribers' down-tracks pause until switched to another source.</summary>
    public void RemovePublishedTrack(PublishedTrack track)
    {
        ArgumentNullException.ThrowIfNull(track);
        _publishedBySsrc.TryRemove(new KeyValuePair<uint, PublishedTrack>(track.Ssrc, track));
        if (track.RtxSsrc is { } rtx)
        {
            _publishedBySsrc.TryRemove(new KeyValuePair<uint, PublishedTrack>(rtx, track));
        }

        track.Close();
    }

    /// <summary>Adds a track this peer receives under <paramref name="ssrc"/> (announced in the offer we send it), fed by <paramref name="source"/>.</summary>
    public DownTrack AddDownTrack(uint ssrc, MediaKind kind, int clockRate, PublishedTrack? source)
    {
        var downTrack = new DownTrack(this, ssrc, kind, clockRate, _time);
        if (!_downTracksBySsrc.TryAdd(ssrc, downTrack))
        {
            throw new ArgumentException($"SSRC {ssrc} is already used on this peer.", nameof(ssrc));
        }

        downTrack.SwitchSource(source);
        return downTrack;
    }

    /// <summary>Stops sending a down-track.</summary>
    public void RemoveDownTrack(DownTrack downTrack)
    {
        ArgumentNullException.ThrowIfNull(downTrack);
        _downTracksBySsrc.TryRemove(new KeyValuePair<uint, DownTrack>(downTrack.Ssrc, downTrack));
        downTrack.SwitchSource(null);
    }

    /// <summary>Closes the peer: sends DTLS close_notify, forgets ICE, stops every track. Idempotent.</summary>
    public void Close(string reason)
    {
        lock (_dtlsGate)
        {
            if (_state == MediaPeerState.Closed)
            {
                return;
            }

            CloseReason = reason;
            _state = MediaPeerState.Closed;
            if (_dtls is not null)
            {
                _dtls.StateChanged -= OnDtlsStateChanged;
                _dtls.Close();
                _dtls.Dispose();
            }
        }

        Server.Forget(this, _ice);
        foreach (var track in _publishedBySsrc.Values.Distinct().ToArray())
        {
            RemovePublishedTrack(track);
        }

        foreach (var downTrack in _downTracksBySsrc.Values.ToArray())
        {
            RemoveDownTrack(downTrack);
        }

        lock (_sendGate)
        {
            _send?.Dispose();
            _send = null;
        }

        StateChanged?.Invoke(this, MediaPeerState.Closed);
    }

    /// <summary>Closes the peer (see <see cref="Close"/>).</summary>
    public void Dispose() => Close("Disposed.");

    // Protects and sends one RTP packet (length bytes of buffer; the buffer has room for the tag).
    internal bool SendRtp(byte[] buffer, int length)
    {
        var address = RemoteAddress;
        if (address is null)
        {
            return false;
        }

        lock (_sendGate)
        {
            if (_send is null || _send.ProtectRtp(buffer, length, out var protectedLength) != SrtpResult.Ok)
            {
                return false;
            }

            return Server.Send(buffer.AsSpan(0, protectedLength), address, rtp: true);
        }
    }

    // Protects and sends one RTCP compound packet.
    internal void SendRtcp(ReadOnlySpan<byte> packet)
    {
        var address = RemoteAddress;
        if (address is null || packet.Length > 1400)
        {
            return;
        }

        Span<byte> buffer = stackalloc byte[1500];
        packet.CopyTo(buffer);
        lock (_sendGate)
        {
            if (_send is null || _send.ProtectRtcp(buffer, packet.Length, out var protectedLength) != SrtpResult.Ok)
            {
                return;
            }

            Server.Send(buffer[..protectedLength], address, rtp: false);
        }
    }

    // Receive loop: a DTLS datagram from an address that passed an ICE check.
    internal void OnDtls(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        lock (_dtlsGate)
        {
            if (_state == MediaPeerState.Closed || _dtls is null)
            {
                return;
            }

            if (_dtlsRemote is null || !_dtlsRemote.Equals(remote))
            {
                _dtlsRemote = Copy(remote);
            }

            _dtls.Feed(datagram);
        }
    }

    // Server tick: DTLS retransmission and deadline, key frame requests, NACKs, congestion feedback.
    internal void OnTick()
    {
        lock (_dtlsGate)
        {
            if (_state == MediaPeerState.Closed)
            {
                return;
            }

            if (_dtls is { State: DtlsState.Connecting } && _dtls.NextTimeout is { } due && due <= TimeSpan.FromMilliseconds(1))
            {
                _dtls.OnTimer();
            }
        }

        if (_state != MediaPeerState.Connected)
        {
            return;
        }

        foreach (var track in _publishedBySsrc.Values)
        {
            if (track.Kind == MediaKind.Video && _publishedBySsrc.TryGetValue(track.Ssrc, out var primary) && primary == track)
            {
                track.FlushKeyframeRequest();
                track.FlushNacks();
            }
        }

        SendCongestionFeedback();
    }

    private void SendDtls(ReadOnlySpan<byte> datagram)
    {
        var address = _dtlsRemote ?? _ice.SelectedAddress;
        if (address is not null)
        {
            Server.Send(datagram, address, rtp: false);
        }
    }

    private void OnDtlsStateChanged(DtlsTransport transport, DtlsState state)
    {
        // Runs inside a DTLS call, under _dtlsGate.
        if (state == DtlsState.Connected)
        {
            var (send, receive) = transport.CreateSrtpSessions();
            lock (_sendGate)
            {
                _send = send;
            }

            _receive = receive;
            _state = MediaPeerState.Connected;
            Server.Post(() =>
            {
                StateChanged?.Invoke(this, MediaPeerState.Connected);
                // The first packets after DTLS may have been dropped before the keys existed: ask for key frames.
                foreach (var downTrack in _downTracksBySsrc.Values)
                {
                    downTrack.Source?.RequestKeyframe();
                }
            });
        }
        else if (state is DtlsState.Failed or DtlsState.Closed)
        {
            var reason = transport.FailureReason ?? state.ToString();
            Server.Post(() => Close(reason));
        }
    }

    private static SocketAddress Copy(SocketAddress source)
    {
        var copy = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span[..source.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }
}
