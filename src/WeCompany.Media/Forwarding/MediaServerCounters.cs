namespace WeCompany.Media.Forwarding;

/// <summary>What the media server has seen and done since it started (read for metrics and tests).</summary>
public sealed class MediaServerCounters
{
    internal long DatagramsReceived;
    internal long BytesReceived;
    internal long RtpSent;
    internal long RtcpSent;
    internal long BytesSent;
    internal long SrtpAuthFailures;
    internal long SrtpOtherFailures;
    internal long Malformed;
    internal long UnknownSource;
    internal long UnknownAddress;
    internal long StunErrors;
    internal long MutedDrops;
    internal long NacksSent;
    internal long Retransmissions;
    internal long KeyframeRequests;
    internal long SendErrors;
    internal long TcpRefused;

    /// <summary>Datagrams read from the socket.</summary>
    public long DatagramsReceivedTotal => Interlocked.Read(ref DatagramsReceived);

    /// <summary>Bytes read from the socket.</summary>
    public long BytesReceivedTotal => Interlocked.Read(ref BytesReceived);

    /// <summary>SRTP packets sent to subscribers (forwarded and retransmitted).</summary>
    public long RtpSentTotal => Interlocked.Read(ref RtpSent);

    /// <summary>SRTCP packets sent (PLI, NACK, feedback).</summary>
    public long RtcpSentTotal => Interlocked.Read(ref RtcpSent);

    /// <summary>Bytes sent.</summary>
    public long BytesSentTotal => Interlocked.Read(ref BytesSent);

    /// <summary>SRTP/SRTCP packets whose authentication tag did not verify (dropped).</summary>
    public long SrtpAuthFailuresTotal => Interlocked.Read(ref SrtpAuthFailures);

    /// <summary>SRTP/SRTCP packets dropped as replays, malformed or over the stream limit.</summary>
    public long SrtpOtherFailuresTotal => Interlocked.Read(ref SrtpOtherFailures);

    /// <summary>Decrypted packets that failed RTP/RTCP parsing.</summary>
    public long MalformedTotal => Interlocked.Read(ref Malformed);

    /// <summary>RTP packets of an SSRC no published track claims.</summary>
    public long UnknownSourceTotal => Interlocked.Read(ref UnknownSource);

    /// <summary>Non-STUN datagrams from addresses that passed no ICE check (dropped unread).</summary>
    public long UnknownAddressTotal => Interlocked.Read(ref UnknownAddress);

    /// <summary>STUN requests refused (bad integrity, unknown user, malformed).</summary>
    public long StunErrorsTotal => Interlocked.Read(ref StunErrors);

    /// <summary>Audio packets dropped because the host muted the publisher.</summary>
    public long MutedDropsTotal => Interlocked.Read(ref MutedDrops);

    /// <summary>NACKs the SFU sent to publishers for its own losses.</summary>
    public long NacksSentTotal => Interlocked.Read(ref NacksSent);

    /// <summary>Packets resent to subscribers from the retransmission buffers.</summary>
    public long RetransmissionsTotal => Interlocked.Read(ref Retransmissions);

    /// <summary>PLI/FIR received from subscribers.</summary>
    public long KeyframeRequestsTotal => Interlocked.Read(ref KeyframeRequests);

    /// <summary>Sends the socket refused.</summary>
    public long SendErrorsTotal => Interlocked.Read(ref SendErrors);

    /// <summary>ICE-TCP connections closed at accept because <see cref="MediaServerOptions.MaxTcpConnections"/> were open.</summary>
    public long TcpRefusedTotal => Interlocked.Read(ref TcpRefused);
}
