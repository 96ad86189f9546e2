namespace WeCompany.Media.Sdp;

/// <summary>Media direction attributes (RFC 8866 §6.7).</summary>
public enum SdpDirection
{
    /// <summary>a=sendrecv (the default when absent).</summary>
    SendRecv,

    /// <summary>a=sendonly.</summary>
    SendOnly,

    /// <summary>a=recvonly.</summary>
    RecvOnly,

    /// <summary>a=inactive.</summary>
    Inactive,
}

/// <summary>DTLS roles in a=setup (RFC 4145 §4, RFC 8842 §5).</summary>
public enum SdpSetup
{
    /// <summary>Not given.</summary>
    None,

    /// <summary>actpass: the offerer lets the answerer choose.</summary>
    ActPass,

    /// <summary>active: this side is the DTLS client.</summary>
    Active,

    /// <summary>passive: this side is the DTLS server.</summary>
    Passive,

    /// <summary>holdconn.</summary>
    HoldConn,
}

/// <summary>a=fingerprint (RFC 8122 §5): hash function name and the colon-separated upper-case hex.</summary>
/// <param name="Algorithm">For instance "sha-256".</param>
/// <param name="Value">For instance "7B:8B:...".</param>
public sealed record SdpFingerprint(string Algorithm, string Value)
{
    /// <summary>The attribute value "sha-256 7B:8B:...".</summary>
    public override string ToString() => $"{Algorithm} {Value}";
}

/// <summary>a=extmap (RFC 8285 §8).</summary>
/// <param name="Id">Local identifier 1..255 (1..14 for the one-byte form).</param>
/// <param name="Uri">The extension's URI.</param>
/// <param name="Direction">The optional direction after the id ("/sendonly"), null when absent.</param>
public sealed record SdpExtmap(int Id, string Uri, string? Direction = null);

/// <summary>One a=ssrc source with the attributes WebRTC uses (RFC 5576).</summary>
public sealed class SdpSsrc
{
    /// <summary>Creates a source.</summary>
    public SdpSsrc(uint ssrc) => Ssrc = ssrc;

    /// <summary>The SSRC.</summary>
    public uint Ssrc { get; }

    /// <summary>a=ssrc:N cname:...</summary>
    public string? Cname { get; set; }

    /// <summary>The stream id of a=ssrc:N msid:stream track.</summary>
    public string? StreamId { get; set; }

    /// <summary>The track id of a=ssrc:N msid:stream track.</summary>
    public string? TrackId { get; set; }
}

/// <summary>a=ssrc-group (RFC 5576 §4.2), for instance FID main rtx.</summary>
/// <param name="Semantics">"FID" for RTX (RFC 4588), "SIM" for simulcast.</param>
/// <param name="Ssrcs">The SSRCs in order (FID: primary then repair).</param>
public sealed record SdpSsrcGroup(string Semantics, IReadOnlyList<uint> Ssrcs);

/// <summary>A codec of one m-section: a=rtpmap, its a=fmtp and a=rtcp-fb lines.</summary>
public sealed class SdpCodec
{
    /// <summary>Creates a codec.</summary>
    public SdpCodec(int payloadType, string name, int clockRate, int channels = 0)
    {
        PayloadType = payloadType;
        Name = name;
        ClockRate = clockRate;
        Channels = channels;
    }

    /// <summary>RTP payload type.</summary>
    public int PayloadType { get; }

    /// <summary>Encoding name as written ("opus", "VP8", "rtx").</summary>
    public string Name { get; }

    /// <summary>Clock rate in Hz.</summary>
    public int ClockRate { get; }

    /// <summary>Audio channels (0 when not written).</summary>
    public int Channels { get; }

    /// <summary>The a=fmtp parameters as written ("minptime=10;useinbandfec=1"), null when absent.</summary>
    public string? Fmtp { get; set; }

    /// <summary>a=rtcp-fb values for this payload type ("nack", "nack pli", "ccm fir", "transport-cc").</summary>
    public List<string> RtcpFeedback { get; } = [];

    /// <summary>Whether this is an RTX repair format (RFC 4588).</summary>
    public bool IsRtx => Name.Equals("rtx", StringComparison.OrdinalIgnoreCase);

    /// <summary>For RTX: the payload type it repairs (fmtp apt=), else null.</summary>
    public int? AssociatedPayloadType =>
        int.TryParse(GetParameter("apt"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var apt) ? apt : null;

    /// <summary>Reads one fmtp parameter ("profile-id", "packetization-mode"), null when absent.</summary>
    public string? GetParameter(string name)
    {
        if (Fmtp is null)
        {
            return null;
        }

        foreach (var part in Fmtp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && part.AsSpan(0, equals).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return part[(equals + 1)..].Trim();
            }
        }

        return null;
    }

    /// <summary>A copy with the same parameters and feedback.</summary>
    public SdpCodec Clone()
    {
        var copy = new SdpCodec(PayloadType, Name, ClockRate, Channels) { Fmtp = Fmtp };
        copy.RtcpFeedback.AddRange(RtcpFeedback);
        return copy;
    }
}

/// <summary>One m-section (RFC 8866 §5.14) with the WebRTC attributes JSEP uses (RFC 8829).</summary>
public sealed class MediaDescription
{
    /// <summary>"audio", "video" or "application".</summary>
    public required string Kind { get; set; }

    /// <summary>The m= port; 0 marks a rejected section.</summary>
    public int Port { get; set; } = 9;

    /// <summary>"UDP/TLS/RTP/SAVPF" for media, "UDP/DTLS/SCTP" for data.</summary>
    public string Protocol { get; set; } = "UDP/TLS/RTP/SAVPF";

    /// <summary>The m= format list as written.</summary>
    public List<string> Formats { get; } = [];

    /// <summary>The c= address ("0.0.0.0" when none is known).</summary>
    public string ConnectionAddress { get; set; } = "0.0.0.0";

    /// <summary>a=mid.</summary>
    public string? Mid { get; set; }

    /// <summary>The direction (sendrecv when absent).</summary>
    public SdpDirection Direction { get; set; } = SdpDirection.SendRecv;

    /// <summary>a=rtcp-mux (RFC 5761).</summary>
    public bool RtcpMux { get; set; }

    /// <summary>a=rtcp-rsize (RFC 5506).</summary>
    public bool RtcpReducedSize { get; set; }

    /// <summary>a=bundle-only (RFC 9143 §7.3.1).</summary>
    public bool BundleOnly { get; set; }

    /// <summary>a=ice-ufrag here, or the session's when this section has none.</summary>
    public string? IceUfrag { get; set; }

    /// <summary>a=ice-pwd here, or the session's.</summary>
    public string? IcePwd { get; set; }

    /// <summary>a=fingerprint here, or the session's.</summary>
    public SdpFingerprint? Fingerprint { get; set; }

    /// <summary>a=setup here, or the session's.</summary>
    public SdpSetup Setup { get; set; }

    /// <summary>Codecs with an a=rtpmap, in m= line order.</summary>
    public List<SdpCodec> Codecs { get; } = [];

    /// <summary>a=extmap lines.</summary>
    public List<SdpExtmap> Extmaps { get; } = [];

    /// <summary>a=ssrc sources.</summary>
    public List<SdpSsrc> Ssrcs { get; } = [];

    /// <summary>a=ssrc-group lines.</summary>
    public List<SdpSsrcGroup> SsrcGroups { get; } = [];

    /// <summary>The stream id of a=msid (RFC 8830), null when absent.</summary>
    public string? MsidStream { get; set; }

    /// <summary>The track id of a=msid.</summary>
    public string? MsidTrack { get; set; }

    /// <summary>a=candidate values, the text after "a=candidate:" ("1 1 udp 2130706431 192.0.2.1 7880 typ host").</summary>
    public List<string> Candidates { get; } = [];

    /// <summary>a=end-of-candidates.</summary>
    public bool EndOfCandidates { get; set; }

    /// <summary>a=sctp-port for data channels.</summary>
    public int? SctpPort { get; set; }

    /// <summary>Whether the section is rejected (port 0 without bundle-only).</summary>
    public bool IsRejected => Port == 0 && !BundleOnly;

    /// <summary>The RTX primary/repair SSRC pairs from FID groups.</summary>
    public IEnumerable<(uint Primary, uint Repair)> RtxPairs =>
        SsrcGroups.Where(g => g.Semantics == "FID" && g.Ssrcs.Count == 2).Select(g => (g.Ssrcs[0], g.Ssrcs[1]));

    /// <summary>The id negotiated for an extension URI, or 0 when not negotiated.</summary>
    public int GetExtensionId(string uri) => Extmaps.Find(e => e.Uri == uri)?.Id ?? 0;
}

/// <summary>A whole session description (RFC 8866) as WebRTC uses it.</summary>
public sealed class SessionDescription
{
    /// <summary>o= session id.</summary>
    public string SessionId { get; set; } = "0";

    /// <summary>o= session version.</summary>
    public ulong SessionVersion { get; set; }

    /// <summary>a=ice-lite at session level (RFC 8839 §5.3).</summary>
    public bool IceLite { get; set; }

    /// <summary>a=extmap-allow-mixed (RFC 8285 §6): one- and two-byte extensions may be mixed.</summary>
    public bool ExtmapAllowMixed { get; set; }

    /// <summary>The mids of a=group:BUNDLE, empty when not bundled.</summary>
    public List<string> BundleMids { get; } = [];

    /// <summary>a=msid-semantic value ("WMS *"), null when absent.</summary>
    public string? MsidSemantic { get; set; }

    /// <summary>Session-level a=ice-ufrag.</summary>
    public string? IceUfrag { get; set; }

    /// <summary>Session-level a=ice-pwd.</summary>
    public string? IcePwd { get; set; }

    /// <summary>Session-level a=fingerprint.</summary>
    public SdpFingerprint? Fingerprint { get; set; }

    /// <summary>Session-level a=setup.</summary>
    public SdpSetup Setup { get; set; }

    /// <summary>The m-sections in order.</summary>
    public List<MediaDescription> Media { get; } = [];

    /// <summary>The m-section with <paramref name="mid"/>, or null.</summary>
    public MediaDescription? FindByMid(string mid) => Media.Find(m => m.Mid == mid);
}
