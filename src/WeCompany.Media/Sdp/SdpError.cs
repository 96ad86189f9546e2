namespace WeCompany.Media.Sdp;

/// <summary>Why an SDP was refused.</summary>
public enum SdpErrorCode
{
    /// <summary>Accepted.</summary>
    None,

    /// <summary>Not parseable SDP (bad line, bad number, missing v=/m= structure, too large).</summary>
    Malformed,

    /// <summary>An active m-section has no a=ice-ufrag or a=ice-pwd (neither its own nor the session's).</summary>
    MissingIceCredentials,

    /// <summary>An active m-section has no a=fingerprint (RFC 8842 §5 requires one for DTLS-SRTP).</summary>
    MissingFingerprint,

    /// <summary>The offer has no m-section we can accept.</summary>
    NoAcceptableMedia,

    /// <summary>The offer asks us to be the DTLS client (a=setup:passive); the server is always passive.</summary>
    IncompatibleSetup,
}

/// <summary>An SDP refusal: a code to branch on and a message for a person.</summary>
/// <param name="Code">What went wrong.</param>
/// <param name="Message">Which line or section, in words.</param>
public sealed record SdpError(SdpErrorCode Code, string Message);
