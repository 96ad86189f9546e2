using System.Net;

namespace WeCompany.Media.Forwarding;

/// <summary>Settings of a <see cref="MediaServer"/>.</summary>
public sealed class MediaServerOptions
{
    /// <summary>The address the UDP socket binds (any IPv4 address by default).</summary>
    public IPAddress BindAddress { get; set; } = IPAddress.Any;

    /// <summary>The UDP port; 0 lets the system choose (tests).</summary>
    public int Port { get; set; } = 7880;

    /// <summary>
    /// Also accept ICE over TCP (RFC 6544, passive, RFC 4571 framing) on the same port number, for networks that
    /// block UDP; announce it with <see cref="Sdp.SdpCandidate.HostTcpPassive"/>.
    /// </summary>
    public bool EnableTcp { get; set; } = true;

    /// <summary>A DTLS handshake not finished this long after the peer was created fails (issue 6: 10 s).</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>RFC 7675 §5.1: a peer without a valid consent check for this long is closed.</summary>
    public TimeSpan ConsentTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the server drives DTLS timers, NACKs, key frame requests and congestion feedback.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The most a publisher is told it may send, in bits per second: the REMB estimate every publisher receives
    /// once a second beside transport-wide CC feedback (draft-alvestrand-rmcat-remb-03 §2), which caps its
    /// bandwidth estimate. 2.5 Mbit/s fits 720p camera video.
    /// </summary>
    public long MaxPublishBitrate { get; set; } = 2_500_000;

    /// <summary>
    /// Send congestion feedback (transport-wide CC, REMB) to publishers. Off, Chrome stays near its 300 kbit/s
    /// start rate: only for measuring what the feedback gives.
    /// </summary>
    public bool CongestionFeedback { get; set; } = true;

    /// <summary>
    /// Datagrams sent with one sendmmsg(2) call (Linux; one SendTo each elsewhere): the copies of a received packet
    /// for every subscriber, and of packets read back to back. 256 covers several packets to a large room
    /// (≈ 0.5 MB of pinned slots); 1 sends every datagram on its own.
    /// </summary>
    public int SendBatchSize { get; set; } = 256;

    /// <summary>
    /// ICE-TCP streams open at once; further connections are closed at accept. Each costs a reader task and
    /// ≈ 200 KB of frame buffers, so a flood of idle streams cannot exhaust memory; 1,000 is far above the
    /// participants one server's forwarding thread carries.
    /// </summary>
    public int MaxTcpConnections { get; set; } = 1000;

    /// <summary>Socket buffer sizes: a video burst to many subscribers must not overflow the default 208 KB.</summary>
    public int SocketBufferBytes { get; set; } = 4 * 1024 * 1024;
}
