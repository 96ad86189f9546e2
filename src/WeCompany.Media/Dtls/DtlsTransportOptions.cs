namespace WeCompany.Media.Dtls;

/// <summary>Limits of one <see cref="DtlsTransport"/>; every value has a default.</summary>
public sealed class DtlsTransportOptions
{
    /// <summary>
    /// Largest datagram sent. 1,200 bytes: fits any path with IPv6 and TURN overhead, as WebRTC stacks assume.
    /// </summary>
    public int Mtu { get; set; } = 1200;

    /// <summary>10 s: a browser gives up on ICE+DTLS well before that; a stuck handshake must not hold state.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Clock for the handshake deadline (retransmission timing is OpenSSL's own clock).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
