using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using WeCompany.Media.Dtls;
using WeCompany.Media.Ice;
using WeCompany.Media.Rtp;
using WeCompany.Media.Srtp;
using WeCompany.Media.Stun;

namespace WeCompany.Bench.Sfu;

/// <summary>
/// A load client on loopback: ICE check with USE-CANDIDATE, DTLS client, then either publishes protected RTP
/// (paced by the caller) or counts what arrives. Subscribers do not decrypt: the bench measures the server.
/// </summary>
internal sealed class BenchClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly DtlsCertificate _certificate = DtlsCertificate.Generate("bench");
    private readonly DtlsContext _context;
    private readonly IceCredentials _ice = IceCredentials.Generate();
    private readonly byte[] _packet = new byte[1500];
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DtlsTransport? _dtls;
    private SrtpSession? _send;
    private IPEndPoint? _server;
    private SocketAddress? _serverAddress;
    private Thread? _thread;
    private volatile bool _stopped;
    private long _received;
    private long _receivedBytes;

    public BenchClient()
    {
        _socket.ReceiveBufferSize = 8 * 1024 * 1024;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _context = new DtlsContext(_certificate);
    }

    /// <summary>
    /// Once connected, read by draining the socket every few milliseconds instead of blocking in recv. A blocked
    /// reader is woken by the sender's system call: on loopback that wake-up is charged to the SFU's forwarding
    /// thread (sock_def_readable), a cost sending to a network card does not have and the bare baseline's unread
    /// sink does not pay either.
    /// </summary>
    public static bool PollReceivers { get; set; }

    public IceCredentials Ice => _ice;

    public DtlsFingerprint Fingerprint => _certificate.Fingerprint;

    public long Received => Interlocked.Read(ref _received);

    public long ReceivedBytes => Interlocked.Read(ref _receivedBytes);

    public async Task ConnectAsync(IPEndPoint server, IceCredentials serverIce, DtlsFingerprint serverFingerprint)
    {
        _server = server;
        _serverAddress = server.Serialize();
        _dtls = new DtlsTransport(_context, DtlsRole.Client, serverFingerprint, d => _socket.SendTo(d, SocketFlags.None, server));
        _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "bench-client" };
        _thread.Start();
        var request = BindingRequest(serverIce);
        for (var attempt = 0; attempt < 100 && !_connected.Task.IsCompleted; attempt++)
        {
            _socket.SendTo(request, SocketFlags.None, server);
            await Task.WhenAny(_connected.Task, Task.Delay(100));
        }

        await _connected.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private byte[] BindingRequest(IceCredentials serverIce)
    {
        var request = new byte[300];
        var writer = new StunWriter(request, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername(Encoding.ASCII.GetBytes(serverIce.Ufrag + ":" + _ice.Ufrag));
        writer.AddPriority(1845501695);
        writer.AddIceControlling(7);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(serverIce.Password));
        writer.AddFingerprint();
        return request.AsSpan(0, writer.Length).ToArray();
    }

    /// <summary>Protects and sends one video packet of <paramref name="size"/> bytes (header included).</summary>
    public void SendVideo(uint ssrc, ushort sequence, uint timestamp, bool keyframe, int size)
    {
        var length = RtpPacket.WriteFixedHeader(_packet, 96, false, sequence, timestamp, ssrc);
        _packet[length] = 0x10; // VP8 descriptor: S=1, PID=0
        _packet[length + 1] = keyframe ? (byte)0x00 : (byte)0x01;
        length = size - _send!.RtpOverhead;
        if (_send.ProtectRtp(_packet, length, out var protectedLength) == SrtpResult.Ok)
        {
            _socket.SendTo(_packet.AsSpan(0, protectedLength), SocketFlags.None, _serverAddress!);
        }
    }

    private void ReceiveLoop()
    {
        var buffer = new byte[2048];
        _socket.ReceiveTimeout = 20;
        while (!_stopped)
        {
            int length;
            try
            {
                if (PollReceivers && _send is not null && _socket.Available == 0)
                {
                    Thread.Sleep(5);
                    continue;
                }

                length = _socket.Receive(buffer);
            }
            catch (SocketException)
            {
                if (_dtls is { State: DtlsState.Connecting } waiting && waiting.NextTimeout is { } due && due <= TimeSpan.FromMilliseconds(1))
                {
                    waiting.OnTimer();
                }

                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var datagram = buffer.AsSpan(0, length);
            switch (PacketClassifier.Classify(datagram))
            {
                case PacketKind.Stun:
                    if (_dtls!.State == DtlsState.New)
                    {
                        _dtls.Start();
                    }

                    break;
                case PacketKind.Dtls:
                    _dtls!.Feed(datagram);
                    if (_dtls.State == DtlsState.Connected && _send is null)
                    {
                        var (send, receive) = _dtls.CreateSrtpSessions();
                        receive.Dispose();
                        _send = send;
                        _connected.TrySetResult();
                    }

                    break;
                case PacketKind.Rtp:
                    Interlocked.Increment(ref _received);
                    Interlocked.Add(ref _receivedBytes, length);
                    break;
            }
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _socket.Dispose();
        _thread?.Join(TimeSpan.FromSeconds(2));
        _dtls?.Dispose();
        _send?.Dispose();
        _context.Dispose();
        _certificate.Dispose();
    }
}
