namespace WeCompany.Media.Srtp;

/// <summary>
/// Outcome of protecting or unprotecting one packet. Packet faults are values, not exceptions:
/// a flood of forged packets must cost no more than a comparison each.
/// </summary>
public enum SrtpResult
{
    /// <summary>The packet was transformed; the out length is valid.</summary>
    Ok,

    /// <summary>The tag did not verify (forged, corrupted, or protected with other keys).</summary>
    AuthFailed,

    /// <summary>A packet with this index was already accepted (RFC 3711 §3.3.2).</summary>
    ReplayDuplicate,

    /// <summary>The packet is older than the 64-packet replay window (RFC 3711 §3.3.2).</summary>
    ReplayTooOld,

    /// <summary>The packet is too short, not version 2, or its header runs past its end.</summary>
    Malformed,

    /// <summary>The buffer has no room for the tag (and the SRTCP index) after the packet.</summary>
    BufferTooSmall,

    /// <summary>The session already tracks its limit of SSRCs; a new one is refused.</summary>
    TooManyStreams,
}
