using WeCompany.Protocol.Tcp;

namespace WeCompany.Client.Tcp;

/// <summary>Options of a <see cref="WeCompanyTcpClient"/>.</summary>
public sealed class WeCompanyTcpClientOptions
{
    /// <summary>Wrap the connection in TLS (the server's Tcp:TlsPort).</summary>
    public bool UseTls { get; init; }

    /// <summary>The name the server certificate must carry; defaults to the host connected to.</summary>
    public string? TlsTargetHost { get; init; }

    /// <summary>Accept any server certificate (self-signed test servers only).</summary>
    public bool AllowUntrustedCertificate { get; init; }

    /// <summary>The largest frame this client accepts: the server's default limit.</summary>
    public int MaxFrameBytes { get; init; } = FrameFormat.DefaultMaxFrameBytes;
}

/// <summary>A TEXT frame received from <paramref name="From"/>.</summary>
public sealed record TextMessage(long From, string Text);

/// <summary>A FILE frame received from <paramref name="From"/>.</summary>
public sealed record FileMessage(long From, string Name, byte[] Content);

/// <summary>
/// A call signaling frame: <paramref name="Type"/> is CALL_REQUEST (ringing; to a callee, an incoming call), CALL_ACCEPT,
/// CALL_REJECT or CALL_END; <paramref name="Peer"/> is the other party.
/// </summary>
public sealed record CallSignal(FrameType Type, long Peer, string CallId, string? State, bool? Video, string? Reason);

/// <summary>Receives MEDIA_DATA; the spans are valid only during the call.</summary>
public delegate void MediaHandler(long from, ReadOnlySpan<byte> callId, ReadOnlySpan<byte> media);

/// <summary>Thrown when the server refuses registration (the ERROR frame's code and message).</summary>
public sealed class TcpProtocolException(int code, string message) : Exception(message)
{
    /// <summary>The business code of the ERROR frame (docs/protocol/tcp.md).</summary>
    public int Code { get; } = code;
}
