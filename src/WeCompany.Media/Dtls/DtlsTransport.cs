using System.Runtime.InteropServices;
using System.Security.Cryptography;
using WeCompany.Media.Dtls.Native;
using WeCompany.Media.Srtp;

namespace WeCompany.Media.Dtls;

/// <summary>
/// One DTLS 1.2 association with one peer, run by the system OpenSSL over memory BIOs (RFC 6347, RFC 5764):
/// datagrams go in through <see cref="Feed"/>, come out through the sink, and on success the SRTP keys are
/// exported for <see cref="CreateSrtpSessions"/>.
/// </summary>
/// <remarks>
/// Concurrency: not thread-safe. The owner serialises every call (Start, Feed, OnTimer, Close, Dispose) —
/// typically the task that reads the peer's socket, with the timer posted to it — because an SSL object may
/// be used by one thread at a time and OpenSSL's error queue is per thread. The sink and
/// <see cref="StateChanged"/> run synchronously inside those calls. Different transports may run on
/// different threads at once.
/// </remarks>
public sealed partial class DtlsTransport : IDisposable
{
    // RFC 5764 §4.2: the exporter label for DTLS-SRTP keying material.
    private static readonly byte[] ExporterLabel = "EXTRACTOR-dtls_srtp"u8.ToArray();

    private readonly SslHandle _ssl;
    private readonly IntPtr _readBio;
    private readonly IntPtr _writeBio;
    private readonly DtlsDatagramSink _sink;
    private readonly DtlsFingerprint _remoteFingerprint;
    private readonly DtlsTransportOptions _options;
    private byte[] _outgoing = new byte[16 * 1024];
    private byte[]? _keyingMaterial;
    private long _startedAt;
    private GCHandle _self;
    private bool _fingerprintRejected;

    /// <summary>Creates the SSL object; nothing is sent until <see cref="Start"/> (or the first datagram).</summary>
    /// <param name="context">The shared context carrying our certificate and SRTP profiles.</param>
    /// <param name="role">Client sends the ClientHello; server waits for it.</param>
    /// <param name="remoteFingerprint">The peer's a=fingerprint from its SDP.</param>
    /// <param name="sendDatagram">Sends one datagram to the peer (to the address its packets came from).</param>
    /// <param name="options">MTU, handshake deadline and clock.</param>
    public DtlsTransport(DtlsContext context, DtlsRole role, DtlsFingerprint remoteFingerprint, DtlsDatagramSink sendDatagram, DtlsTransportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(remoteFingerprint);
        ArgumentNullException.ThrowIfNull(sendDatagram);
        Role = role;
        _remoteFingerprint = remoteFingerprint;
        _sink = sendDatagram;
        _options = options ?? new DtlsTransportOptions();
        if (_options.Mtu < 256)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.Mtu, "The MTU must be at least 256 bytes.");
        }

        _ssl = CreateSsl(context, role, _options.Mtu, out _readBio, out _writeBio);

        // The verify callback finds this transport through the SSL object's app data (ex_data index 0).
        // A weak handle: an undisposed transport can still be collected, and its SSL freed by the SafeHandle.
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        _ = LibSsl.SSL_set_ex_data(Ssl, AppDataIndex, GCHandle.ToIntPtr(_self));
    }

    /// <summary>Raised inside Start/Feed/OnTimer/Close when <see cref="State"/> changes.</summary>
    public event Action<DtlsTransport, DtlsState>? StateChanged;

    /// <summary>Our side of the handshake.</summary>
    public DtlsRole Role { get; }

    /// <summary>Where the association stands.</summary>
    public DtlsState State { get; private set; }

    /// <summary>Why the transport failed or closed (OpenSSL's error text, a timeout, a fingerprint mismatch).</summary>
    public string? FailureReason { get; private set; }

    /// <summary>The SRTP profile negotiated through use_srtp, once connected.</summary>
    public SrtpProfile? SelectedProfile { get; private set; }

    /// <summary>
    /// RFC 7983 §7: a datagram whose first byte is 20–63 is DTLS (STUN is 0–3, RTP/RTCP 128–191).
    /// </summary>
    public static bool IsDtlsRecord(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= DtlsRecordPacker.RecordHeaderLength && datagram[0] is >= 20 and <= 63;

    /// <summary>Starts the handshake: the client sends its ClientHello; the server starts its deadline.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_ssl.IsClosed, this);
        if (State != DtlsState.New)
        {
            return;
        }

        _startedAt = _options.TimeProvider.GetTimestamp();
        SetState(DtlsState.Connecting, null);
        if (Role == DtlsRole.Client)
        {
            ContinueHandshake();
        }
    }

    /// <summary>
    /// Hands one received datagram to OpenSSL and sends whatever it answers. Datagrams that are not DTLS
    /// (RFC 7983) or arrive after failure are ignored; malformed records are dropped by OpenSSL.
    /// </summary>
    public void Feed(ReadOnlySpan<byte> datagram)
    {
        ObjectDisposedException.ThrowIf(_ssl.IsClosed, this);
        if (!IsDtlsRecord(datagram) || State is DtlsState.Failed or DtlsState.Closed)
        {
            return;
        }

        if (State == DtlsState.New)
        {
            Start();
        }

        if (!WriteIncoming(datagram))
        {
            return;
        }

        if (State == DtlsState.Connecting)
        {
            ContinueHandshake();
        }
        else
        {
            ReadAfterHandshake();
        }
    }

    /// <summary>
    /// Drives retransmission and the handshake deadline; call it when <see cref="NextTimeout"/> elapses
    /// (or on a steady tick, e.g. every 50 ms). Cheap when nothing is due.
    /// </summary>
    public unsafe void OnTimer()
    {
        ObjectDisposedException.ThrowIf(_ssl.IsClosed, this);
        if (State != DtlsState.Connecting)
        {
            return;
        }

        if (_options.TimeProvider.GetElapsedTime(_startedAt) >= _options.HandshakeTimeout)
        {
            SetState(DtlsState.Failed, $"The DTLS handshake did not complete within {_options.HandshakeTimeout.TotalSeconds:0.#} s.");
            return;
        }

        LibCrypto.ERR_clear_error();
        // DTLSv1_handle_timeout: retransmits the last flight if OpenSSL's timer has expired; 0 if not yet due.
        var result = LibSsl.SSL_ctrl(Ssl, LibSsl.DTLS_CTRL_HANDLE_TIMEOUT, 0, IntPtr.Zero);
        if (result < 0)
        {
            var reason = OpenSslError.Drain("DTLSv1_handle_timeout");
            FlushOutgoing();
            SetState(DtlsState.Failed, reason);
            return;
        }

        FlushOutgoing();
    }

    /// <summary>
    /// Time until <see cref="OnTimer"/> has work: the next retransmission or the handshake deadline,
    /// whichever is first; null when no timer is running (not started, connected, failed or closed).
    /// </summary>
    public unsafe TimeSpan? NextTimeout
    {
        get
        {
            if (State != DtlsState.Connecting || _ssl.IsClosed)
            {
                return null;
            }

            var deadline = _options.HandshakeTimeout - _options.TimeProvider.GetElapsedTime(_startedAt);
            if (deadline < TimeSpan.Zero)
            {
                deadline = TimeSpan.Zero;
            }

            // DTLSv1_get_timeout fills a struct timeval (two 64-bit fields) and returns 1 when a timer runs.
            var timeval = stackalloc long[2];
            if (LibSsl.SSL_ctrl(Ssl, LibSsl.DTLS_CTRL_GET_TIMEOUT, 0, (IntPtr)timeval) == 1)
            {
                var retransmit = TimeSpan.FromSeconds(timeval[0]) + TimeSpan.FromMicroseconds(timeval[1]);
                return retransmit < deadline ? retransmit : deadline;
            }

            return deadline;
        }
    }

    /// <summary>
    /// Builds the two SRTP sessions from the exported keying material (RFC 5764 §4.2: client key, server key,
    /// client salt, server salt): <c>Send</c> protects what we send, <c>Receive</c> unprotects what the peer
    /// sends. The caller owns and disposes both; they outlive this transport.
    /// </summary>
    public (SrtpSession Send, SrtpSession Receive) CreateSrtpSessions()
    {
        if (State != DtlsState.Connected || _keyingMaterial is null || SelectedProfile is not { } profile)
        {
            throw new InvalidOperationException("SRTP keys exist only once the DTLS transport is connected.");
        }

        var keyLength = profile.KeyLength();
        var saltLength = profile.SaltLength();
        var material = _keyingMaterial.AsSpan();
        var clientKey = material[..keyLength];
        var serverKey = material.Slice(keyLength, keyLength);
        var clientSalt = material.Slice(2 * keyLength, saltLength);
        var serverSalt = material.Slice((2 * keyLength) + saltLength, saltLength);
        var client = new SrtpSession(profile, clientKey, clientSalt);
        var server = new SrtpSession(profile, serverKey, serverSalt);
        return Role == DtlsRole.Client ? (client, server) : (server, client);
    }

    /// <summary>Sends close_notify (RFC 5246 §7.2.1) if connected, then stops accepting datagrams.</summary>
    public void Close()
    {
        ObjectDisposedException.ThrowIf(_ssl.IsClosed, this);
        if (State is DtlsState.Closed or DtlsState.Failed)
        {
            return;
        }

        if (State == DtlsState.Connected)
        {
            LibCrypto.ERR_clear_error();
            // 0 means "close_notify sent, the peer's not yet seen": all a datagram transport waits for.
            if (LibSsl.SSL_shutdown(Ssl) < 0)
            {
                LibCrypto.ERR_clear_error();
            }

            FlushOutgoing();
        }

        SetState(DtlsState.Closed, "Closed locally.");
    }

    /// <summary>Frees the SSL object and wipes the keying material. Sends nothing: call <see cref="Close"/> first for that.</summary>
    public void Dispose()
    {
        if (_keyingMaterial is not null)
        {
            CryptographicOperations.ZeroMemory(_keyingMaterial);
        }

        _ssl.Dispose();
        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    private void ContinueHandshake()
    {
        LibCrypto.ERR_clear_error();
        var result = LibSsl.SSL_do_handshake(Ssl);
        if (result == 1)
        {
            CompleteHandshake();
            if (State == DtlsState.Connected)
            {
                // Our final flight (if we are the server: ChangeCipherSpec and Finished) goes out only once
                // the keys exist, so a peer never finishes with a transport that has failed.
                FlushOutgoing();
            }

            return;
        }

        var error = LibSsl.SSL_get_error(Ssl, result);
        if (error is LibSsl.SSL_ERROR_WANT_READ or LibSsl.SSL_ERROR_WANT_WRITE)
        {
            FlushOutgoing();
            return;
        }

        var reason = _fingerprintRejected
            ? $"The peer's certificate does not match the SDP fingerprint ({_remoteFingerprint.Algorithm}); {OpenSslError.Drain("SSL_do_handshake")}"
            : OpenSslError.Drain($"SSL_do_handshake (SSL_get_error {error})");
        FlushOutgoing(); // a fatal alert, if OpenSSL queued one, tells the peer why
        SetState(DtlsState.Failed, reason);
    }

    private unsafe void CompleteHandshake()
    {
        // RFC 5763 §5 / RFC 8827 §6.5: the certificate must hash to the fingerprint signalled in SDP.
        if (!PeerCertificateMatches(out var mismatch))
        {
            SetState(DtlsState.Failed, mismatch);
            return;
        }

        var profilePointer = LibSsl.SSL_get_selected_srtp_profile(Ssl);
        if (profilePointer == IntPtr.Zero)
        {
            SetState(DtlsState.Failed, "The peer did not negotiate use_srtp (RFC 5764 §4.1.1).");
            return;
        }

        // struct srtp_protection_profile_st { const char *name; unsigned long id; }
        var profile = (SrtpProfile)(ushort)Marshal.ReadInt64(profilePointer, IntPtr.Size);
        if (!profile.IsSupported())
        {
            SetState(DtlsState.Failed, $"Unsupported SRTP profile 0x{(ushort)profile:X4} selected.");
            return;
        }

        var material = new byte[2 * (profile.KeyLength() + profile.SaltLength())];
        LibCrypto.ERR_clear_error();
        int exported;
        fixed (byte* output = material)
        fixed (byte* label = ExporterLabel)
        {
            exported = LibSsl.SSL_export_keying_material(Ssl, output, (nuint)material.Length, label, (nuint)ExporterLabel.Length, null, 0, 0);
        }

        if (exported != 1)
        {
            SetState(DtlsState.Failed, OpenSslError.Drain("SSL_export_keying_material"));
            return;
        }

        _keyingMaterial = material;
        SelectedProfile = profile;
        SetState(DtlsState.Connected, null);
    }

    // Checked again after the handshake: the verify callback is the gate, this guards any path that would
    // skip it (OpenSSL does not call it for a resumed session; resumption is also disabled on the context).
    private bool PeerCertificateMatches(out string reason)
    {
        var certificate = LibSsl.SSL_get1_peer_certificate(Ssl);
        if (certificate == IntPtr.Zero)
        {
            reason = "The peer presented no certificate.";
            return false;
        }

        try
        {
            var der = EncodeCertificate(certificate);
            if (der is not null && _remoteFingerprint.Matches(der))
            {
                reason = string.Empty;
                return true;
            }

            reason = $"The peer's certificate does not match the SDP fingerprint ({_remoteFingerprint.Algorithm}).";
            return false;
        }
        finally
        {
            LibCrypto.X509_free(certificate);
        }
    }

    private unsafe void ReadAfterHandshake()
    {
        // No data channel runs over this transport: application data is read and dropped. Reading still
        // matters: it answers a retransmitted final flight and notices close_notify and fatal alerts.
        Span<byte> buffer = stackalloc byte[2048];
        LibCrypto.ERR_clear_error();
        while (true)
        {
            int read;
            fixed (byte* data = buffer)
            {
                read = LibSsl.SSL_read(Ssl, data, buffer.Length);
            }

            if (read > 0)
            {
                continue;
            }

            var error = LibSsl.SSL_get_error(Ssl, read);
            if (error == LibSsl.SSL_ERROR_ZERO_RETURN)
            {
                FlushOutgoing();
                SetState(DtlsState.Closed, "The peer sent close_notify.");
                return;
            }

            if (error is not (LibSsl.SSL_ERROR_WANT_READ or LibSsl.SSL_ERROR_WANT_WRITE))
            {
                var reason = OpenSslError.Drain($"SSL_read (SSL_get_error {error})");
                FlushOutgoing();
                SetState(DtlsState.Closed, reason);
                return;
            }

            break;
        }

        FlushOutgoing();
    }

    private void SetState(DtlsState state, string? reason)
    {
        if (State == state)
        {
            return;
        }

        State = state;
        FailureReason = reason;
        StateChanged?.Invoke(this, state);
    }
}
