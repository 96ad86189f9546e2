using System.Globalization;

namespace WeCompany.Media.Sdp;

/// <summary>One m-section of a server-sent offer.</summary>
public sealed class SdpOfferMedia
{
    /// <summary>The mid (unique in the session; keep it stable across renegotiations).</summary>
    public required string Mid { get; init; }

    /// <summary>"audio" or "video".</summary>
    public required string Kind { get; init; }

    /// <summary>sendonly for a forwarded track; inactive for a slot whose track left.</summary>
    public SdpDirection Direction { get; init; } = SdpDirection.SendOnly;

    /// <summary>The codecs the server sends, with payload types, rtcp-fb and fmtp (usually the publisher's negotiated ones).</summary>
    public IReadOnlyList<SdpCodec> Codecs { get; init; } = [];

    /// <summary>Header extensions with the ids the server writes.</summary>
    public IReadOnlyList<SdpExtmap> Extmaps { get; init; } = [];

    /// <summary>The forwarded source (SSRC, RTX SSRC, msid); null for an inactive slot.</summary>
    public SdpMediaSource? Source { get; init; }
}

/// <summary>
/// Builds offers the server sends to subscribers (RFC 8829 §5.2). The server is ICE-lite and always
/// the DTLS server, yet an offer must say a=setup:actpass (RFC 8842 §5.2); Chromium then answers
/// a=setup:active and becomes the DTLS client, which is what the server needs.
/// </summary>
public static class SdpOfferBuilder
{
    /// <summary>Builds the offer model; write it with <see cref="SdpWriter.Write"/>.</summary>
    /// <param name="transport">Our credentials, fingerprint and candidates.</param>
    /// <param name="media">The m-sections in order; all are bundled.</param>
    /// <param name="sessionVersion">o= version: increment on every renegotiation (RFC 8866 §5.2).</param>
    public static SessionDescription Build(SdpLocalTransport transport, IReadOnlyList<SdpOfferMedia> media, ulong sessionVersion = 1)
    {
        if (media.Count == 0)
        {
            throw new ArgumentException("An offer needs at least one m-section.", nameof(media));
        }

        var session = new SessionDescription
        {
            SessionId = transport.NewSessionId(),
            SessionVersion = sessionVersion,
            IceLite = true,
            MsidSemantic = "WMS *",
        };
        foreach (var item in media)
        {
            if (item.Codecs.Count == 0)
            {
                throw new ArgumentException($"The m-section '{item.Mid}' has no codec.", nameof(media));
            }

            var section = new MediaDescription { Kind = item.Kind, Mid = item.Mid, Direction = item.Direction };
            foreach (var codec in item.Codecs)
            {
                section.Codecs.Add(codec.Clone());
                section.Formats.Add(codec.PayloadType.ToString(CultureInfo.InvariantCulture));
            }

            section.Extmaps.AddRange(item.Extmaps);
            section.RtcpReducedSize = true;
            transport.ApplyTo(section, SdpSetup.ActPass);
            if (item.Source is not null && item.Direction is SdpDirection.SendOnly or SdpDirection.SendRecv)
            {
                item.Source.ApplyTo(section);
            }

            session.Media.Add(section);
            session.BundleMids.Add(item.Mid);
        }

        return session;
    }

    /// <summary>Builds and writes the offer text.</summary>
    public static string BuildText(SdpLocalTransport transport, IReadOnlyList<SdpOfferMedia> media, ulong sessionVersion = 1) =>
        SdpWriter.Write(Build(transport, media, sessionVersion));
}
