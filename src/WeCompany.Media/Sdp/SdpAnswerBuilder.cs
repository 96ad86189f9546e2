using System.Diagnostics.CodeAnalysis;
using WeCompany.Media.Rtp;

namespace WeCompany.Media.Sdp;

/// <summary>What the server accepts in an answer besides the transport.</summary>
public sealed class SdpAnswerOptions
{
    /// <summary>Our transport: credentials, fingerprint, candidates.</summary>
    public required SdpLocalTransport Transport { get; init; }

    /// <summary>Pass H.264 (packetization-mode=1, constrained baseline/baseline) through: set when every receiver decodes it.</summary>
    public bool AllowH264 { get; init; }

    /// <summary>Pass VP9 profile 0 through: set when every receiver decodes it.</summary>
    public bool AllowVp9 { get; init; }

    /// <summary>Sources the server sends per mid, for sections the answer makes sendonly or sendrecv.</summary>
    public IReadOnlyDictionary<string, SdpMediaSource> OutgoingSources { get; init; } = new Dictionary<string, SdpMediaSource>();
}

/// <summary>
/// Builds the answer of the ICE-lite, DTLS-passive server to a browser's offer (RFC 8829 §5.3):
/// a=ice-lite, our credentials and fingerprint, a=setup:passive, our candidates, BUNDLE of the
/// accepted mids, rtcp-mux, the codecs and header extensions the SFU forwards, and each direction
/// mirrored. Sections with nothing acceptable (or data channels, or without rtcp-mux) are rejected
/// with port 0.
/// </summary>
public static class SdpAnswerBuilder
{
    /// <summary>RTCP feedback the SFU acts on: retransmission, key frame requests, congestion control.</summary>
    public static readonly IReadOnlyList<string> SupportedFeedback = ["nack", "nack pli", "ccm fir", "transport-cc", "goog-remb"];

    /// <summary>Header extensions the SFU reads or rewrites.</summary>
    public static readonly IReadOnlyList<string> SupportedExtensions =
        [RtpExtensionUris.Mid, RtpExtensionUris.AudioLevel, RtpExtensionUris.AbsSendTime, RtpExtensionUris.TransportWideCc];

    /// <summary>Builds the answer model; write it with <see cref="SdpWriter.Write"/>.</summary>
    public static bool TryBuild(SessionDescription offer, SdpAnswerOptions options, [NotNullWhen(true)] out SessionDescription? answer, [NotNullWhen(false)] out SdpError? error)
    {
        answer = null;
        var result = new SessionDescription
        {
            SessionId = options.Transport.NewSessionId(),
            SessionVersion = 2,
            IceLite = true,
            ExtmapAllowMixed = offer.ExtmapAllowMixed,
            MsidSemantic = "WMS *",
        };

        foreach (var offered in offer.Media)
        {
            if (!offered.IsRejected && offered.Setup == SdpSetup.Passive)
            {
                error = new SdpError(SdpErrorCode.IncompatibleSetup, $"The m-section '{offered.Mid}' asks the server to be the DTLS client; the server is always passive.");
                return false;
            }

            var media = AnswerSection(offered, options);
            result.Media.Add(media);
            if (!media.IsRejected && media.Mid is not null && offer.BundleMids.Contains(media.Mid))
            {
                result.BundleMids.Add(media.Mid);
            }
        }

        if (result.Media.TrueForAll(m => m.IsRejected))
        {
            error = new SdpError(SdpErrorCode.NoAcceptableMedia, "No offered m-section has a codec the server forwards (Opus, VP8).");
            return false;
        }

        answer = result;
        error = null;
        return true;
    }

    /// <summary>Builds and writes the answer text.</summary>
    public static bool TryBuildText(SessionDescription offer, SdpAnswerOptions options, [NotNullWhen(true)] out string? answerSdp, [NotNullWhen(false)] out SdpError? error)
    {
        answerSdp = null;
        if (!TryBuild(offer, options, out var answer, out error))
        {
            return false;
        }

        answerSdp = SdpWriter.Write(answer);
        return true;
    }

    /// <summary>RFC 3264 §6.1: the answer's direction mirrors the offer's.</summary>
    public static SdpDirection Mirror(SdpDirection offered) => offered switch
    {
        SdpDirection.SendOnly => SdpDirection.RecvOnly,
        SdpDirection.RecvOnly => SdpDirection.SendOnly,
        _ => offered,
    };

    private static MediaDescription AnswerSection(MediaDescription offered, SdpAnswerOptions options)
    {
        var media = new MediaDescription { Kind = offered.Kind, Protocol = offered.Protocol, Mid = offered.Mid };
        media.Formats.AddRange(offered.Formats);
        if (offered.IsRejected || offered.Kind is not ("audio" or "video") || !offered.RtcpMux)
        {
            return Reject(media);
        }

        foreach (var codec in offered.Codecs)
        {
            if (IsAccepted(codec, offered.Kind, options))
            {
                media.Codecs.Add(AnswerCodec(codec));
            }
        }

        // RTX only for codecs we kept (RFC 4588 §8.1: apt names the original payload type).
        foreach (var codec in offered.Codecs)
        {
            if (codec.IsRtx && codec.AssociatedPayloadType is { } apt && media.Codecs.Exists(c => c.PayloadType == apt && !c.IsRtx))
            {
                media.Codecs.Add(AnswerCodec(codec));
            }
        }

        if (media.Codecs.Count == 0)
        {
            return Reject(media);
        }

        // Keep the offerer's order of preference.
        media.Codecs.Sort((a, b) => offered.Codecs.FindIndex(c => c.PayloadType == a.PayloadType)
            .CompareTo(offered.Codecs.FindIndex(c => c.PayloadType == b.PayloadType)));
        media.Extmaps.AddRange(offered.Extmaps.Where(e => SupportedExtensions.Contains(e.Uri) && e.Direction is null));
        media.Direction = Mirror(offered.Direction);
        media.RtcpReducedSize = offered.RtcpReducedSize;
        options.Transport.ApplyTo(media, SdpSetup.Passive);
        if (media.Direction is SdpDirection.SendOnly or SdpDirection.SendRecv
            && offered.Mid is not null && options.OutgoingSources.TryGetValue(offered.Mid, out var source))
        {
            source.ApplyTo(media);
        }

        return media;
    }

    private static SdpCodec AnswerCodec(SdpCodec offered)
    {
        var codec = new SdpCodec(offered.PayloadType, offered.Name, offered.ClockRate, offered.Channels) { Fmtp = offered.Fmtp };
        if (!offered.IsRtx)
        {
            codec.RtcpFeedback.AddRange(offered.RtcpFeedback.Where(SupportedFeedback.Contains));
        }

        return codec;
    }

    private static bool IsAccepted(SdpCodec codec, string kind, SdpAnswerOptions options)
    {
        if (kind == "audio")
        {
            return codec.Name.Equals("opus", StringComparison.OrdinalIgnoreCase) && codec.ClockRate == 48000;
        }

        if (codec.Name.Equals("VP8", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (options.AllowVp9 && codec.Name.Equals("VP9", StringComparison.OrdinalIgnoreCase))
        {
            // Profile 0 (8-bit 4:2:0) is what every browser decodes; absent means 0 (VP9 RTP §6).
            return codec.GetParameter("profile-id") is null or "0";
        }

        if (options.AllowH264 && codec.Name.Equals("H264", StringComparison.OrdinalIgnoreCase))
        {
            // RFC 6184: packetization-mode=1 (FU-A); profile_idc 0x42 is (constrained) baseline.
            var profile = codec.GetParameter("profile-level-id");
            return codec.GetParameter("packetization-mode") == "1"
                && profile is not null && profile.StartsWith("42", StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    private static MediaDescription Reject(MediaDescription media)
    {
        // RFC 8829 §5.3.1: port 0, the offered formats, the mid.
        media.Port = 0;
        media.Codecs.Clear();
        return media;
    }
}
