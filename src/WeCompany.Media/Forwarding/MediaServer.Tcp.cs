using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using WeCompany.Media.Ice;

namespace WeCompany.Media.Forwarding;

// ICE over TCP (RFC 6544) on the UDP port's number: the server is passive (it only accepts). Each accepted stream
// carries RFC 4571 frames; every frame is handled exactly as a datagram from the stream's remote address (STUN to
// the ICE agent, then DTLS, RTP, RTCP to the peer that address checked in for), and whatever the server sends to
// that address goes back framed on the same stream. Frames from all streams and datagrams are handled one at a
// time (the dispatch lock), because forwarding state is single-threaded by design.
public sealed partial class MediaServer
{
    // A client that stops reading for this long is dropped rather than stall forwarding to everyone else.
    private static readonly TimeSpan TcpSendTimeout = TimeSpan.FromSeconds(1);

    private readonly Lock _dispatchGate = new();
    private readonly ConcurrentDictionary<SocketAddress, TcpMediaConnection> _tcpConnections = new();
    private Socket? _tcpListener;
    private Task? _acceptLoop;

    /// <summary>Streams open on the TCP listener (ICE-TCP clients).</summary>
    public int TcpConnectionCount => _tcpConnections.Count;

    private void StartTcp(int port)
    {
        var listener = new Socket(_options.BindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(_options.BindAddress, port));
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _tcpListener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private async Task StopTcpAsync()
    {
        _tcpListener?.Dispose();
        foreach (var connection in _tcpConnections.Values)
        {
            connection.Socket.Dispose();
        }

        if (_acceptLoop is not null)
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task AcceptLoopAsync()
    {
        var listener = _tcpListener!;
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            // Accepting is the only place streams are added, so the count cannot overshoot the cap.
            if (_tcpConnections.Count >= _options.MaxTcpConnections)
            {
                Interlocked.Increment(ref Counters.TcpRefused);
                socket.LingerState = new LingerOption(true, 0); // a reset, not a polite close the client may wait on
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            socket.SendTimeout = (int)TcpSendTimeout.TotalMilliseconds;
            socket.SendBufferSize = _options.SocketBufferBytes;
            var remote = ((IPEndPoint)socket.RemoteEndPoint!).Serialize();
            var connection = new TcpMediaConnection(socket, remote);
            _tcpConnections[remote] = connection;
            _ = Task.Run(() => ReadStreamAsync(connection));
        }
    }

    private async Task ReadStreamAsync(TcpMediaConnection connection)
    {
        // One frame may be up to 64 KB; the frame is copied out to a buffer with the slack SRTP and RTX unwrapping use.
        var stream = new byte[2 * (IceTcpFraming.MaxPacketLength + IceTcpFraming.HeaderLength)];
        var frame = new byte[IceTcpFraming.MaxPacketLength + 64];
        var response = new byte[DatagramSize];
        var filled = 0;
        // A stream whose address has not passed an ICE check within the handshake deadline is closed (no idle squatters).
        using var notChecked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        notChecked.CancelAfter(_options.HandshakeTimeout);
        var validated = false;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await connection.Socket.ReceiveAsync(stream.AsMemory(filled), SocketFlags.None, validated ? _stop.Token : notChecked.Token);
                if (read == 0)
                {
                    return;
                }

                filled += read;
                var offset = 0;
                while (IceTcpFraming.TryReadFrame(stream.AsSpan(offset, filled - offset), out var packet, out var consumed))
                {
                    offset += consumed;
                    packet.CopyTo(frame);
                    Interlocked.Increment(ref Counters.DatagramsReceived);
                    Interlocked.Add(ref Counters.BytesReceived, packet.Length);
                    lock (_dispatchGate)
                    {
                        HandleDatagram(frame, packet.Length, connection.Remote, response);
                        _batch?.Flush();
                    }
                }

                validated = validated || _agent.TryGetSession(connection.Remote, out _);

                // Keep the partial frame at the front for the next read.
                stream.AsSpan(offset, filled - offset).CopyTo(stream);
                filled -= offset;
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The client closed the stream or the server stops.
        }
        finally
        {
            _tcpConnections.TryRemove(new KeyValuePair<SocketAddress, TcpMediaConnection>(connection.Remote, connection));
            connection.Socket.Dispose();
        }
    }

    private bool SendTcp(TcpMediaConnection connection, ReadOnlySpan<byte> packet, bool rtp)
    {
        if (packet.Length > IceTcpFraming.MaxPacketLength)
        {
            return false;
        }

        var frame = ArrayPool<byte>.Shared.Rent(packet.Length + IceTcpFraming.HeaderLength);
        try
        {
            IceTcpFraming.TryWriteFrame(packet, frame, out var length);
            lock (connection.SendGate)
            {
                // A blocking send keeps frames whole; the send timeout bounds a stalled reader.
                var sent = 0;
                while (sent < length)
                {
                    sent += connection.Socket.Send(frame.AsSpan(sent, length - sent), SocketFlags.None);
                }
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref Counters.SendErrors);
            connection.Socket.Dispose();
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }

        Interlocked.Increment(ref rtp ? ref Counters.RtpSent : ref Counters.RtcpSent);
        Interlocked.Add(ref Counters.BytesSent, packet.Length);
        return true;
    }

    private sealed class TcpMediaConnection(Socket socket, SocketAddress remote)
    {
        public Socket Socket { get; } = socket;

        public SocketAddress Remote { get; } = remote;

        public Lock SendGate { get; } = new();
    }
}
