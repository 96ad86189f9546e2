using WeCompany.Media.Sdp;

namespace WeCompany.Server.Sfu;

/// <summary>
/// Payload types of a forwarded track as the subscriber numbered them. RFC 3264 §6.1: the numbers in an offer are
/// the ones its author receives with, and a subscriber that offers (aiortc renumbers every section it offers) may
/// give the formats it receives from us numbers other than the publisher's.
/// </summary>
internal static class PayloadTypeMapping
{
    /// <summary>
    /// For each of the publisher's formats, the subscriber's number for the same codec (128 entries; formats the
    /// subscriber lacks keep their number, and their packets are dropped by the subscriber as unknown).
    /// </summary>
    public static byte[] Build(IReadOnlyList<SdpCodec> source, IReadOnlyList<SdpCodec> negotiated)
    {
        var map = new byte[128];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = (byte)i;
        }

        foreach (var codec in source)
        {
            if (codec.IsRtx || codec.PayloadType is < 0 or > 127)
            {
                continue;
            }

            var match = Find(negotiated, codec);
            if (match is not null && match.PayloadType is >= 0 and <= 127)
            {
                map[codec.PayloadType] = (byte)match.PayloadType;
            }
        }

        return map;
    }

    /// <summary>The subscriber's formats that carry one of the publisher's codecs, with their numbers.</summary>
    public static List<SdpCodec> Matching(IReadOnlyList<SdpCodec> source, IReadOnlyList<SdpCodec> negotiated)
    {
        var codecs = new List<SdpCodec>();
        foreach (var codec in source.Where(c => !c.IsRtx))
        {
            if (Find(negotiated, codec) is { } match && !codecs.Exists(c => c.PayloadType == match.PayloadType))
            {
                var copy = new SdpCodec(match.PayloadType, codec.Name, codec.ClockRate, codec.Channels) { Fmtp = codec.Fmtp };
                copy.RtcpFeedback.AddRange(codec.RtcpFeedback);
                codecs.Add(copy);
            }
        }

        return codecs;
    }

    /// <summary>The rtx formats (RFC 4588 §8.6, fmtp apt=) of <paramref name="offered"/> that repair one of <paramref name="primaries"/>.</summary>
    public static List<SdpCodec> RtxFor(IReadOnlyList<SdpCodec> primaries, IReadOnlyList<SdpCodec> offered)
    {
        var rtx = new List<SdpCodec>();
        foreach (var codec in offered)
        {
            if (codec.IsRtx && codec.AssociatedPayloadType is { } apt && primaries.Any(p => !p.IsRtx && p.PayloadType == apt)
                && !rtx.Exists(r => r.PayloadType == codec.PayloadType))
            {
                rtx.Add(new SdpCodec(codec.PayloadType, codec.Name, codec.ClockRate) { Fmtp = codec.Fmtp });
            }
        }

        return rtx;
    }

    /// <summary>For each primary payload type, its rtx payload type (0: none): what <c>DownTrack.EnableRtx</c> takes.</summary>
    public static byte[] RtxTable(IEnumerable<SdpCodec> codecs)
    {
        var table = new byte[128];
        foreach (var codec in codecs)
        {
            if (codec.IsRtx && codec.AssociatedPayloadType is >= 0 and <= 127 and var apt && codec.PayloadType is > 0 and <= 127)
            {
                table[apt] = (byte)codec.PayloadType;
            }
        }

        return table;
    }

    private static SdpCodec? Find(IReadOnlyList<SdpCodec> candidates, SdpCodec codec) =>
        candidates.FirstOrDefault(c => !c.IsRtx && SameCodec(c, codec));

    // RFC 6184 §8.2.2: H.264 formats differ by packetization-mode and profile (profile-level-id's first two bytes);
    // RFC 9628 §6: VP9 by profile-id. Other codecs are identified by name, clock rate and channels.
    private static bool SameCodec(SdpCodec a, SdpCodec b)
    {
        if (!a.Name.Equals(b.Name, StringComparison.OrdinalIgnoreCase) || a.ClockRate != b.ClockRate
            || (a.Channels > 1 || b.Channels > 1) && a.Channels != b.Channels)
        {
            return false;
        }

        if (a.Name.Equals("H264", StringComparison.OrdinalIgnoreCase))
        {
            return (a.GetParameter("packetization-mode") ?? "0") == (b.GetParameter("packetization-mode") ?? "0")
                && Profile(a).Equals(Profile(b), StringComparison.OrdinalIgnoreCase);
        }

        return !a.Name.Equals("VP9", StringComparison.OrdinalIgnoreCase)
            || (a.GetParameter("profile-id") ?? "0") == (b.GetParameter("profile-id") ?? "0");
    }

    private static string Profile(SdpCodec codec) =>
        codec.GetParameter("profile-level-id") is { Length: 6 } level ? level[..4] : "42e0";
}
