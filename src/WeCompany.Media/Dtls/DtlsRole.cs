namespace WeCompany.Media.Dtls;

/// <summary>Which side of the DTLS handshake this endpoint plays (RFC 5763 §5, the SDP a=setup attribute).</summary>
public enum DtlsRole
{
    /// <summary>Waits for the ClientHello: the local SDP says <c>a=setup:passive</c> (the SFU's usual answer).</summary>
    Server,

    /// <summary>Sends the ClientHello: the local SDP says <c>a=setup:active</c> (load clients, tests).</summary>
    Client,
}

/// <summary>The life of a <see cref="DtlsTransport"/>.</summary>
public enum DtlsState
{
    /// <summary>Created; nothing sent or received yet.</summary>
    New,

    /// <summary>The handshake is under way.</summary>
    Connecting,

    /// <summary>The handshake completed, the peer's fingerprint matched and SRTP keys were exported.</summary>
    Connected,

    /// <summary>The handshake failed, timed out, or the peer's certificate did not match; no keys exist.</summary>
    Failed,

    /// <summary>The peer sent close_notify or <see cref="DtlsTransport.Close"/> was called.</summary>
    Closed,
}
