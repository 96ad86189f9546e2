namespace WeCompany.Media.Forwarding;

/// <summary>What a track carries.</summary>
public enum MediaKind
{
    /// <summary>Audio (Opus).</summary>
    Audio,

    /// <summary>Video (VP8, or H.264/VP9 passed through).</summary>
    Video,
}

/// <summary>Describes a track a publisher announced in its SDP (a=ssrc, a=ssrc-group:FID, a=mid, a=rtpmap).</summary>
public sealed class PublishedTrackOptions
{
    /// <summary>The primary SSRC.</summary>
    public required uint Ssrc { get; init; }

    /// <summary>The RTX SSRC (RFC 4588) from the FID group, when the publisher has one.</summary>
    public uint? RtxSsrc { get; init; }

    /// <summary>Audio or video.</summary>
    public required MediaKind Kind { get; init; }

    /// <summary>The publisher's m-section mid.</summary>
    public required string Mid { get; init; }

    /// <summary>The RTP clock rate (48,000 for Opus, 90,000 for video).</summary>
    public int ClockRate { get; init; } = 90000;

    /// <summary>RTX payload type → the payload type it repairs (fmtp apt=), to unwrap retransmissions.</summary>
    public IReadOnlyDictionary<int, int> RtxPayloadTypes { get; init; } = new Dictionary<int, int>();

    /// <summary>Payload types that are VP8 (key frames are recognised for them).</summary>
    public IReadOnlyCollection<int> Vp8PayloadTypes { get; init; } = [];
}
