using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using WeCompany.Media.Dtls;
using WeCompany.Media.Ice;
using WeCompany.Media.Rtcp;
using WeCompany.Media.Rtp;
using WeCompany.Media.Srtp;
using WeCompany.Media.Stun;

namespace WeCompany.Media.Tests.Forwarding;

/// <summary>A test on one RTCP packet (a ref struct cannot be a Func argument).</summary>
internal delegate bool RtcpMatch(RtcpPacket packet);

/// <summary>A packet the client decrypted.</summary>
internal sealed record ReceivedRtp(uint Ssrc, ushort Sequence, uint Timestamp, byte PayloadType, byte[] Payload);

/// <summary>
/// A WebRTC-like client made of our own client-role pieces on a loopback UDP socket: a controlling ICE check
/// with USE-CANDIDATE, a DTLS client, SRTP both ways. One thread reads the socket and drives the DTLS timer.
/// With <c>tcp</c> it is an ICE-TCP active client instead (RFC 6544): one stream, every packet RFC 4571-framed.
/// </summary>
internal sealed class LoopbackClientPeer : IDisposable
{
    private readonly bool _tcp;
    private readonly Socket _socket;
    private readonly Lock _frameGate = new();
    private readonly DtlsCertificate _certificate = DtlsCertificate.Generate("client");
    private readonly DtlsContext _context;
    private readonly Lock _sendGate = new();
    private readonly CancellationTokenSource _stop = new();
    private DtlsTransport? _dtls;
    private SrtpSession? _send;
    private SrtpSession? _receive;
    private IPEndPoint? _server;
    private Thread? _thread;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _iceAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LoopbackClientPeer(bool tcp = false)
    {
        _tcp = tcp;
        _socket = tcp ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _context = new DtlsContext(_certificate);
    }

    public IceCredentials Ice { get; } = IceCredentials.Generate();

    public DtlsFingerprint Fingerprint => _certificate.Fingerprint;

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public ConcurrentQueue<ReceivedRtp> Rtp { get; } = new();

    /// <summary>Loses an incoming RTP packet, before decryption, when it returns true for its sequence number (once per call).</summary>
    public Func<ushort, bool>? LoseIncoming { get; set; }

    /// <summary>Decrypted RTCP packets (each compound packet as one array).</summary>
    public ConcurrentQueue<byte[]> Rtcp { get; } = new();

    /// <summary>Checks in to the server, runs the DTLS client handshake and derives SRTP keys.</summary>
    public async Task ConnectAsync(IPEndPoint server, IceCredentials serverIce, DtlsFingerprint serverFingerprint)
    {
        _server = server;
        if (_tcp)
        {
            await _socket.ConnectAsync(server).WaitAsync(TimeSpan.FromSeconds(5));
        }

        _dtls = new DtlsTransport(_context, DtlsRole.Client, serverFingerprint, d => SendPacket(d));
        _thread = new Thread(ReceiveLoop) { IsBackground = true };
        _thread.Start();
        var request = BuildBindingRequest(serverIce);
        for (var attempt = 0; attempt < 50 && !_iceAnswered.Task.IsCompleted; attempt++)
        {
            SendPacket(request);
            await Task.WhenAny(_iceAnswered.Task, Task.Delay(100));
        }

        await _iceAnswered.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await _connected.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public byte[] BuildBindingRequest(IceCredentials serverIce, string? password = null, string? ufrag = null)
    {
        var buffer = new byte[300];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername(Encoding.ASCII.GetBytes((ufrag ?? serverIce.Ufrag) + ":" + Ice.Ufrag));
        writer.AddPriority(1845501695);
        writer.AddIceControlling(42);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(password ?? serverIce.Password));
        writer.AddFingerprint();
        return buffer.AsSpan(0, writer.Length).ToArray();
    }

    /// <summary>Protects and sends one RTP packet.</summary>
    public void SendRtp(uint ssrc, ushort sequence, uint timestamp, byte payloadType, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> extension = default)
    {
        var buffer = new byte[1500];
        var length = RtpPacket.WriteFixedHeader(buffer, payloadType, false, sequence, timestamp, ssrc);
        if (!extension.IsEmpty)
        {
            buffer[0] |= 0x10;
            extension.CopyTo(buffer.AsSpan(length));
            length += extension.Length;
        }

        payload.CopyTo(buffer.AsSpan(length));
        length += payload.Length;
        lock (_sendGate)
        {
            Assert.Equal(SrtpResult.Ok, _send!.ProtectRtp(buffer, length, out var protectedLength));
            SendPacket(buffer.AsSpan(0, protectedLength));
        }
    }

    /// <summary>Protects and sends one RTCP compound packet.</summary>
    public void SendRtcp(ReadOnlySpan<byte> packet)
    {
        var buffer = new byte[1500];
        packet.CopyTo(buffer);
        lock (_sendGate)
        {
            Assert.Equal(SrtpResult.Ok, _send!.ProtectRtcp(buffer, packet.Length, out var protectedLength));
            SendPacket(buffer.AsSpan(0, protectedLength));
        }
    }

    /// <summary>Sends bytes as they are (bad input).</summary>
    public void SendRaw(ReadOnlySpan<byte> datagram) => SendPacket(datagram);

    // One datagram, or one RFC 4571 frame on the stream.
    private void SendPacket(ReadOnlySpan<byte> packet)
    {
        if (!_tcp)
        {
            _socket.SendTo(packet, SocketFlags.None, _server!);
            return;
        }

        var frame = new byte[packet.Length + IceTcpFraming.HeaderLength];
        Assert.True(IceTcpFraming.TryWriteFrame(packet, frame, out var length));
        lock (_frameGate)
        {
            _socket.Send(frame.AsSpan(0, length), SocketFlags.None);
        }
    }

    /// <summary>Waits until a received RTP packet matches.</summary>
    public Task<ReceivedRtp> WaitForRtpAsync(Func<ReceivedRtp, bool> match) =>
        WaitAsync(() => Rtp.FirstOrDefault(match));

    /// <summary>Waits until a received RTCP packet of this feedback type and format names <paramref name="mediaSsrc"/>.</summary>
    public Task<byte[]> WaitForFeedbackAsync(RtcpPacketType type, int format, uint? mediaSsrc = null) =>
        WaitAsync(() => Rtcp.FirstOrDefault(p => ContainsFeedback(p, type, format, mediaSsrc)));

    /// <summary>Waits until a received RTCP compound packet has a packet that matches.</summary>
    public Task<byte[]> WaitForRtpcAsync(RtcpMatch match) =>
        WaitAsync(() => Rtcp.FirstOrDefault(compound =>
        {
            var reader = new RtcpCompoundReader(compound);
            while (reader.TryReadNext(out var packet))
            {
                if (match(packet))
                {
                    return true;
                }
            }

            return false;
        }));

    public static bool ContainsFeedback(byte[] compound, RtcpPacketType type, int format, uint? mediaSsrc)
    {
        var reader = new RtcpCompoundReader(compound);
        while (reader.TryReadNext(out var packet))
        {
            if (packet.PacketType == type && packet.CountOrFormat == format
                && (mediaSsrc is null || (RtcpFeedback.TryGetMediaSsrc(packet, out var ssrc) && ssrc == mediaSsrc)))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<T> WaitAsync<T>(Func<T?> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } found)
            {
                return found;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("The expected packet did not arrive within 10 s.");
    }

    private void ReceiveLoop()
    {
        if (_tcp)
        {
            ReceiveFrames();
            return;
        }

        var buffer = new byte[1500];
        _socket.ReceiveTimeout = 20;
        while (!_stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = _socket.Receive(buffer);
            }
            catch (SocketException)
            {
                DriveTimer();
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            Handle(buffer, length);
            DriveTimer();
        }
    }

    private void ReceiveFrames()
    {
        var stream = new byte[2 * (IceTcpFraming.MaxPacketLength + IceTcpFraming.HeaderLength)];
        var frame = new byte[IceTcpFraming.MaxPacketLength];
        var filled = 0;
        _socket.ReceiveTimeout = 20;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var read = _socket.Receive(stream.AsSpan(filled), SocketFlags.None);
                if (read == 0)
                {
                    return;
                }

                filled += read;
            }
            catch (SocketException)
            {
                DriveTimer();
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var offset = 0;
            while (IceTcpFraming.TryReadFrame(stream.AsSpan(offset, filled - offset), out var packet, out var consumed))
            {
                offset += consumed;
                packet.CopyTo(frame);
                Handle(frame, packet.Length);
            }

            stream.AsSpan(offset, filled - offset).CopyTo(stream);
            filled -= offset;
            DriveTimer();
        }
    }

    private void DriveTimer()
    {
        if (_dtls is { State: DtlsState.Connecting } dtls && dtls.NextTimeout is { } due && due <= TimeSpan.FromMilliseconds(1))
        {
            dtls.OnTimer();
        }
    }

    private void Handle(byte[] buffer, int length)
    {
        var datagram = buffer.AsSpan(0, length);
        switch (PacketClassifier.Classify(datagram))
        {
            case PacketKind.Stun:
                if (StunMessage.TryParse(datagram, out var message) && message.MessageType == (ushort)StunMessageType.BindingSuccessResponse)
                {
                    if (_iceAnswered.TrySetResult())
                    {
                        _dtls!.Start();
                    }
                }

                break;
            case PacketKind.Dtls:
                _dtls!.Feed(datagram);
                if (_dtls.State == DtlsState.Connected && _receive is null)
                {
                    var (send, receive) = _dtls.CreateSrtpSessions();
                    lock (_sendGate)
                    {
                        _send = send;
                    }

                    _receive = receive;
                    _connected.TrySetResult();
                }

                break;
            case PacketKind.Rtp:
                if (length >= 12 && LoseIncoming?.Invoke(System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(datagram[2..])) == true)
                {
                    break;
                }

                if (_receive?.UnprotectRtp(buffer, length, out var plain) == SrtpResult.Ok && RtpPacket.TryParse(buffer.AsSpan(0, plain), out var rtp))
                {
                    Rtp.Enqueue(new ReceivedRtp(rtp.Ssrc, rtp.SequenceNumber, rtp.Timestamp, rtp.PayloadType, rtp.Payload.ToArray()));
                }

                break;
            case PacketKind.Rtcp:
                if (_receive?.UnprotectRtcp(buffer, length, out var plainRtcp) == SrtpResult.Ok)
                {
                    Rtcp.Enqueue(buffer.AsSpan(0, plainRtcp).ToArray());
                }

                break;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _thread?.Join(TimeSpan.FromSeconds(2));
        _dtls?.Dispose();
        _send?.Dispose();
        _receive?.Dispose();
        _context.Dispose();
        _certificate.Dispose();
        _stop.Dispose();
    }
}
