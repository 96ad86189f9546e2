namespace WeCompany.Media.Rtp;

/// <summary>Header extension URIs the SFU understands (as negotiated with a=extmap, RFC 8285 §8).</summary>
public static class RtpExtensionUris
{
    /// <summary>RFC 9143 §15: the BUNDLE media identification.</summary>
    public const string Mid = "urn:ietf:params:rtp-hdrext:sdes:mid";

    /// <summary>RFC 6464: client-to-mixer audio level.</summary>
    public const string AudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

    /// <summary>abs-send-time: 24-bit 6.18 fixed-point seconds (used by REMB).</summary>
    public const string AbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";

    /// <summary>draft-holmer-rmcat-transport-wide-cc-extensions-01: 16-bit transport-wide sequence number.</summary>
    public const string TransportWideCc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
}
