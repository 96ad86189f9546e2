using System.Net;

namespace WeCompany.Media.Forwarding;

/// <summary>Settings of a <see cref="MediaServer"/>.</summary>
public sealed class MediaServerOptions
{
    /// <summary>The address the UDP socket binds (any IPv4 address by default).</summary>
    public IPAddress BindAddress { get; set; } = IPAddress.Any;

    /// <summary>The UDP port; 0 lets the system choose (tests).</summary>
    public int Port { get; set; } = 7880;

    /// <summary>A DTLS handshake not finished this long after the peer was created fails (issue 6: 10 s).</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>RFC 7675 §5.1: a peer without a valid consent check for this long is closed.</summary>
    public TimeSpan ConsentTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the server drives DTLS timers, NACKs, key frame requests and congestion feedback.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Socket buffer sizes: a video burst to many subscribers must not overflow the default 208 KB.</summary>
    public int SocketBufferBytes { get; set; } = 4 * 1024 * 1024;
}
