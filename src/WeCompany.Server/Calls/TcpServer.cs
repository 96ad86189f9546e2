using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Tcp;
using WeCompany.Server.Accounts;
using WeCompany.Server.Diagnostics;
using WeCompany.Server.Presence;

namespace WeCompany.Server.Calls;

/// <summary>
/// The specification's TcpServer: listens for the WeCompany TCP protocol (plain, and TLS on a second port when
/// configured), registers users, carries text and files between them and hands call frames to
/// <see cref="VideoCallServer"/>. Runs as a hosted service. Public methods are thread-safe.
/// </summary>
public sealed partial class TcpServer : IHostedService, IDisposable
{
    private readonly TcpOptions _options;
    private readonly TokenService _tokens;
    private readonly PresenceRegistry _presence;
    private readonly ILogger<TcpServer> _logger;
    private readonly ConcurrentDictionary<string, TcpConnection> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TcpConnection> _online = new();
    private readonly Lock _registerLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _loops = [];
    private readonly Counter _droppedMedia;
    private readonly Counter _slowReceivers;
    private readonly Counter _protocolErrors;
    private X509Certificate2? _certificate;
    private VideoCallServer? _calls;

    public TcpServer(IOptions<TcpOptions> options, TokenService tokens, PresenceRegistry presence, MetricsRegistry metrics, ILogger<TcpServer> logger)
    {
        _options = options.Value;
        _tokens = tokens;
        _presence = presence;
        _logger = logger;
        _droppedMedia = metrics.Counter("wecompany_tcp_media_frames_dropped_total", "MEDIA_DATA frames dropped because a receiver's queue was full.");
        _slowReceivers = metrics.Counter("wecompany_tcp_slow_receivers_total", "TCP connections closed because they could not take control frames.");
        _protocolErrors = metrics.Counter("wecompany_tcp_protocol_errors_total", "Malformed or refused TCP frames.");
        metrics.Gauge("wecompany_tcp_connections", "Open TCP protocol connections.", () => _connections.Count);
        metrics.Gauge("wecompany_tcp_registered_users", "Users registered over the TCP protocol on this node.", () => _online.Count);
    }

    /// <summary>The bound plain port (the configured one, or the one picked for port 0); 0 before start.</summary>
    public int Port { get; private set; }

    /// <summary>The bound TLS port, when TLS is configured.</summary>
    public int? TlsPort { get; private set; }

    /// <summary>Open connections, registered or not.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>MEDIA_DATA frames dropped so far because a receiver's queue was full.</summary>
    public long MediaFramesDropped => _droppedMedia.Value;

    /// <summary>Connections closed so far because they could not take control frames.</summary>
    public long SlowReceiversDisconnected => _slowReceivers.Value;

    internal TcpOptions Options => _options;

    internal void Attach(VideoCallServer calls) => _calls = calls;

    /// <summary>Where traffic for users on other nodes goes (the cluster); null: this node is all there is.</summary>
    internal ITcpRemoteRoute? Remote { get; set; }

    private VideoCallServer Calls => _calls ?? throw new InvalidOperationException("The VideoCallServer is not attached.");

    /// <summary>The specification's startServer: binds the listeners and starts accepting.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled || _listeners.Count > 0)
        {
            return Task.CompletedTask;
        }
        var address = IPAddress.Parse(_options.Address);
        Port = Listen(address, _options.Port, tls: false);
        if (_options.TlsPort is { } tlsPort)
        {
            if (string.IsNullOrEmpty(_options.CertificatePath))
            {
                throw new InvalidOperationException("Tcp:TlsPort needs Tcp:CertificatePath.");
            }
            _certificate = X509CertificateLoader.LoadPkcs12FromFile(_options.CertificatePath, _options.CertificatePassword);
            TlsPort = Listen(address, tlsPort, tls: true);
        }
        _loops.Add(SweepLoopAsync());
        return Task.CompletedTask;
    }

    /// <summary>The specification's stopServer: stops accepting and closes every connection.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        await _stopping.CancelAsync();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
        foreach (var connection in _connections.Values)
        {
            SendError(connection, Protocol.Rest.ErrorCodes.TcpServerStopping, "The server is stopping.");
            connection.CloseAfterFlush();
        }
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(_options.CloseGraceSeconds), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var connection in _connections.Values)
        {
            connection.Abort();
        }
    }

    private int _disposed;

    // The container may dispose twice (singleton and hosted-service factory): the second call does nothing.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stopping.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
        foreach (var connection in _connections.Values)
        {
            connection.Abort();
        }
        _certificate?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>The specification's getOnlineUsers: users registered over TCP on this node.</summary>
    public IReadOnlyList<long> OnlineUsers() => _online.Keys.Order().ToList();

    /// <summary>True when the user has a registered TCP connection on this node.</summary>
    public bool IsOnline(long userId) => _online.ContainsKey(userId);

    /// <summary>True when the user has a registered TCP connection on this node or, in a cluster, on another.</summary>
    public bool IsReachable(long userId) => _online.ContainsKey(userId) || Remote?.IsOnline(userId) == true;

    /// <summary>
    /// The specification's sendMessage: one frame to a user, naming <paramref name="fromUserId"/> as sender
    /// (0: the server itself, an empty userId). False when the user is not connected or cannot take it.
    /// </summary>
    public bool SendMessage(long userId, FrameType type, long fromUserId, ReadOnlySpan<byte> data)
    {
        if (SendLocal(userId, type, fromUserId, data))
        {
            return true;
        }
        return !_online.ContainsKey(userId) && Remote is { } remote
            && remote.TrySend(userId, type, fromUserId, [], new ReadOnlySequence<byte>(data.ToArray()), replyTo: 0, droppable: type == FrameType.MediaData);
    }

    /// <summary>Like <see cref="SendMessage"/>, to a user registered on this node only (what other nodes ask for).</summary>
    internal bool SendLocal(long userId, FrameType type, long fromUserId, ReadOnlySpan<byte> data)
    {
        if (!_online.TryGetValue(userId, out var connection))
        {
            return false;
        }
        Span<byte> sender = stackalloc byte[20];
        var senderLength = fromUserId == 0 ? 0 : FrameText.FormatUserId(fromUserId, sender);
        return connection.Send(type, sender[..senderLength], data) is EnqueueResult.Queued or EnqueueResult.QueuedAfterDroppingMedia;
    }

    /// <summary>The specification's broadcastMessage: one frame to every registered user; answers how many took it.</summary>
    public int Broadcast(FrameType type, long fromUserId, ReadOnlySpan<byte> data) =>
        BroadcastLocal(type, fromUserId, data) + (Remote?.Broadcast(type, fromUserId, data) ?? 0);

    /// <summary>Like <see cref="Broadcast"/>, to the users registered on this node only.</summary>
    internal int BroadcastLocal(FrameType type, long fromUserId, ReadOnlySpan<byte> data)
    {
        Span<byte> sender = stackalloc byte[20];
        var senderLength = fromUserId == 0 ? 0 : FrameText.FormatUserId(fromUserId, sender);
        var delivered = 0;
        foreach (var connection in _online.Values)
        {
            if (connection.Send(type, sender[..senderLength], data) is EnqueueResult.Queued or EnqueueResult.QueuedAfterDroppingMedia)
            {
                delivered++;
            }
        }
        return delivered;
    }

    internal bool TryGetConnection(long userId, out TcpConnection connection) => _online.TryGetValue(userId, out connection!);

    internal void CountDroppedMedia(int frames) => _droppedMedia.Add(frames);

    internal void OnSlowReceiver(TcpConnection connection)
    {
        _slowReceivers.Increment();
        TcpLog.SlowReceiver(_logger, connection.UserId, connection.Id);
    }

    /// <summary>Closes the listeners: new connections are refused at the socket (a draining node).</summary>
    public void StopAccepting()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
    }

    /// <summary>Sends every open connection an ERROR, then closes it once written; answers how many.</summary>
    public int CloseAll(int code, string message)
    {
        var count = 0;
        foreach (var connection in _connections.Values)
        {
            SendError(connection, code, message);
            connection.CloseAfterFlush();
            count++;
        }
        return count;
    }

    internal void OnClosed(TcpConnection connection)
    {
        _connections.TryRemove(connection.Id, out _);
        connection.Presence?.Dispose();
        if (connection.UserId != 0 && _online.TryRemove(new KeyValuePair<long, TcpConnection>(connection.UserId, connection)))
        {
            _calls?.OnUserDisconnected(connection.UserId);
        }
    }

    private int Listen(IPAddress address, int port, bool tls)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (port != 0)
        {
            // A fixed port restarts without waiting out TIME_WAIT. Never with port 0: on Linux .NET's ReuseAddress
            // also sets SO_REUSEPORT, and two servers could then share an ephemeral port and split its connections.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }
        listener.Bind(new IPEndPoint(address, port));
        listener.Listen(1024);
        _listeners.Add(listener);
        var bound = ((IPEndPoint)listener.LocalEndPoint!).Port;
        TcpLog.Listening(_logger, address.ToString(), bound, tls);
        _loops.Add(AcceptLoopAsync(listener, tls));
        return bound;
    }

    private async Task AcceptLoopAsync(Socket listener, bool tls)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            if (_connections.Count >= _options.MaxConnections)
            {
                TcpLog.TooManyConnections(_logger, _options.MaxConnections);
                socket.Dispose();
                continue;
            }
            socket.NoDelay = true;
            _ = ServeAsync(socket, tls);
        }
    }

    private async Task ServeAsync(Socket socket, bool tls)
    {
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (tls)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                handshake.CancelAfter(TimeSpan.FromSeconds(_options.RegisterTimeoutSeconds));
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, handshake.Token);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException or SocketException)
            {
                TcpLog.TlsFailed(_logger, e);
                await ssl.DisposeAsync();
                return;
            }
            stream = ssl;
        }
        var connection = new TcpConnection(socket, stream, this, _options);
        _connections[connection.Id] = connection;
        try
        {
            await connection.RunAsync(_options.MaxFrameBytes);
        }
        catch (Exception e)
        {
            TcpLog.ConnectionFailed(_logger, connection.Id, e);
            connection.Abort();
        }
    }

    // One timer for every connection: idle, registration and close-grace deadlines (no timer per connection).
    private async Task SweepLoopAsync()
    {
        var idle = (long)(_options.IdleTimeoutSeconds * 1000);
        var register = (long)(_options.RegisterTimeoutSeconds * 1000);
        var grace = (long)(_options.CloseGraceSeconds * 1000);
        var period = Math.Clamp(Math.Min(Math.Min(idle, register), grace) / 4, 10, 1000);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(period));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                var now = Environment.TickCount64;
                foreach (var connection in _connections.Values)
                {
                    var closing = connection.ClosingSince;
                    if (closing != 0)
                    {
                        if (now - closing > grace)
                        {
                            connection.Abort();
                        }
                    }
                    else if (connection.UserId == 0 && now - connection.ConnectedAt > register)
                    {
                        Refuse(connection, Protocol.Rest.ErrorCodes.TcpNotRegistered, "No REGISTER in time.");
                    }
                    else if (now - connection.LastActivity > idle)
                    {
                        Refuse(connection, Protocol.Rest.ErrorCodes.TcpIdleTimeout, "No frame in time: closing an idle connection.");
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    internal static void SendError(TcpConnection connection, int code, string message) =>
        connection.Send(FrameType.Error, [], TcpJson.Serialize(new TcpErrorBody(code, message)));

    /// <summary>ERROR, then close once it is written.</summary>
    internal void Refuse(TcpConnection connection, int code, string message)
    {
        _protocolErrors.Increment();
        SendError(connection, code, message);
        connection.CloseAfterFlush();
    }

    internal void CountProtocolError() => _protocolErrors.Increment();
}
