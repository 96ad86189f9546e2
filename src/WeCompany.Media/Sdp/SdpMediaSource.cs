namespace WeCompany.Media.Sdp;

/// <summary>A source the server sends in an m-section: its SSRC, optional RTX SSRC and stream/track ids.</summary>
/// <param name="Ssrc">The primary SSRC.</param>
/// <param name="RtxSsrc">The RTX SSRC (RFC 4588), grouped with FID; null without RTX.</param>
/// <param name="Cname">RTCP CNAME.</param>
/// <param name="StreamId">MediaStream id (a=msid first part).</param>
/// <param name="TrackId">Track id (a=msid second part).</param>
public sealed record SdpMediaSource(uint Ssrc, uint? RtxSsrc, string Cname, string StreamId, string TrackId)
{
    internal void ApplyTo(MediaDescription media)
    {
        media.MsidStream = StreamId;
        media.MsidTrack = TrackId;
        media.Ssrcs.Add(new SdpSsrc(Ssrc) { Cname = Cname, StreamId = StreamId, TrackId = TrackId });
        if (RtxSsrc is { } rtx)
        {
            media.SsrcGroups.Add(new SdpSsrcGroup("FID", [Ssrc, rtx]));
            media.Ssrcs.Add(new SdpSsrc(rtx) { Cname = Cname, StreamId = StreamId, TrackId = TrackId });
        }
    }
}

/// <summary>What the server puts in every description it writes: ICE-lite credentials, DTLS fingerprint, candidates.</summary>
public sealed class SdpLocalTransport
{
    /// <summary>Our ufrag and password for this peer.</summary>
    public required Ice.IceCredentials IceCredentials { get; init; }

    /// <summary>Our DTLS certificate fingerprint.</summary>
    public required SdpFingerprint Fingerprint { get; init; }

    /// <summary>Host UDP and optional TCP passive candidates, best first; the first gives m= port and c= address.</summary>
    public IReadOnlyList<SdpCandidate> Candidates { get; init; } = [];

    /// <summary>o= session id; a random 62-bit number when null.</summary>
    public string? SessionId { get; init; }

    internal void ApplyTo(MediaDescription media, SdpSetup setup)
    {
        media.IceUfrag = IceCredentials.Ufrag;
        media.IcePwd = IceCredentials.Password;
        media.Fingerprint = Fingerprint;
        media.Setup = setup;
        media.RtcpMux = media.SctpPort is null;
        if (Candidates.Count > 0)
        {
            media.Port = Candidates[0].Port;
            media.ConnectionAddress = Candidates[0].Address.ToString();
        }

        foreach (var candidate in Candidates)
        {
            media.Candidates.Add(candidate.AttributeValue);
        }

        // An ICE-lite server knows all its candidates up front (RFC 8838 §8.2).
        media.EndOfCandidates = true;
    }

    // RFC 8866 §5.2 / RFC 8829 §5.2.1: a random session id below 2^63.
    internal string NewSessionId()
    {
        if (SessionId is not null)
        {
            return SessionId;
        }

        Span<byte> random = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        return (System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(random) >> 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
