using System.Globalization;
using System.Net;
using System.Text;

namespace WeCompany.Media.Sdp;

/// <summary>Serializes a <see cref="SessionDescription"/> in the line order Chromium writes and expects (CRLF line ends).</summary>
public static class SdpWriter
{
    /// <summary>Writes the whole description.</summary>
    public static string Write(SessionDescription session)
    {
        var sdp = new StringBuilder(2048);
        Line(sdp, "v=0");
        Line(sdp, $"o=- {session.SessionId} {session.SessionVersion} IN IP4 127.0.0.1");
        Line(sdp, "s=-");
        Line(sdp, "t=0 0");
        if (session.IceLite)
        {
            Line(sdp, "a=ice-lite");
        }

        if (session.BundleMids.Count > 0)
        {
            Line(sdp, $"a=group:BUNDLE {string.Join(' ', session.BundleMids)}");
        }

        if (session.ExtmapAllowMixed)
        {
            Line(sdp, "a=extmap-allow-mixed");
        }

        if (session.MsidSemantic is not null)
        {
            Line(sdp, $"a=msid-semantic: {session.MsidSemantic}");
        }

        foreach (var media in session.Media)
        {
            WriteMedia(sdp, media);
        }

        return sdp.ToString();
    }

    private static void WriteMedia(StringBuilder sdp, MediaDescription media)
    {
        var formats = media.Codecs.Count > 0
            ? string.Join(' ', media.Codecs.Select(c => c.PayloadType.ToString(CultureInfo.InvariantCulture)))
            : string.Join(' ', media.Formats);
        Line(sdp, $"m={media.Kind} {media.Port} {media.Protocol} {formats}");
        var addressType = IPAddress.TryParse(media.ConnectionAddress, out var address)
            && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
        Line(sdp, $"c=IN {addressType} {media.ConnectionAddress}");
        if (media.IsRejected)
        {
            // RFC 8829 §5.3.1: a rejected section keeps only its mid.
            if (media.Mid is not null)
            {
                Line(sdp, $"a=mid:{media.Mid}");
            }

            return;
        }

        foreach (var candidate in media.Candidates)
        {
            Line(sdp, $"a=candidate:{candidate}");
        }

        if (media.EndOfCandidates)
        {
            Line(sdp, "a=end-of-candidates");
        }

        Line(sdp, $"a=ice-ufrag:{media.IceUfrag}");
        Line(sdp, $"a=ice-pwd:{media.IcePwd}");
        if (media.Fingerprint is not null)
        {
            Line(sdp, $"a=fingerprint:{media.Fingerprint}");
        }

        if (media.Setup != SdpSetup.None)
        {
            Line(sdp, $"a=setup:{SetupText(media.Setup)}");
        }

        if (media.Mid is not null)
        {
            Line(sdp, $"a=mid:{media.Mid}");
        }

        if (media.SctpPort is { } sctpPort)
        {
            Line(sdp, $"a=sctp-port:{sctpPort}");
            return;
        }

        foreach (var extmap in media.Extmaps)
        {
            var direction = extmap.Direction is null ? string.Empty : "/" + extmap.Direction;
            Line(sdp, $"a=extmap:{extmap.Id}{direction} {extmap.Uri}");
        }

        Line(sdp, "a=" + DirectionText(media.Direction));
        if (media.MsidStream is not null)
        {
            Line(sdp, $"a=msid:{media.MsidStream} {media.MsidTrack}");
        }

        if (media.RtcpMux)
        {
            Line(sdp, "a=rtcp-mux");
        }

        if (media.RtcpReducedSize)
        {
            Line(sdp, "a=rtcp-rsize");
        }

        foreach (var codec in media.Codecs)
        {
            var channels = codec.Channels > 0 ? "/" + codec.Channels.ToString(CultureInfo.InvariantCulture) : string.Empty;
            Line(sdp, $"a=rtpmap:{codec.PayloadType} {codec.Name}/{codec.ClockRate}{channels}");
            foreach (var feedback in codec.RtcpFeedback)
            {
                Line(sdp, $"a=rtcp-fb:{codec.PayloadType} {feedback}");
            }

            if (codec.Fmtp is not null)
            {
                Line(sdp, $"a=fmtp:{codec.PayloadType} {codec.Fmtp}");
            }
        }

        foreach (var group in media.SsrcGroups)
        {
            Line(sdp, $"a=ssrc-group:{group.Semantics} {string.Join(' ', group.Ssrcs)}");
        }

        foreach (var source in media.Ssrcs)
        {
            if (source.Cname is not null)
            {
                Line(sdp, $"a=ssrc:{source.Ssrc} cname:{source.Cname}");
            }

            if (source.StreamId is not null)
            {
                Line(sdp, $"a=ssrc:{source.Ssrc} msid:{source.StreamId} {source.TrackId}");
            }
        }
    }

    /// <summary>The attribute name of a direction.</summary>
    public static string DirectionText(SdpDirection direction) => direction switch
    {
        SdpDirection.SendOnly => "sendonly",
        SdpDirection.RecvOnly => "recvonly",
        SdpDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    private static string SetupText(SdpSetup setup) => setup switch
    {
        SdpSetup.ActPass => "actpass",
        SdpSetup.Active => "active",
        SdpSetup.Passive => "passive",
        _ => "holdconn",
    };

    // RFC 8866 §5: lines end with CRLF.
    private static void Line(StringBuilder sdp, string line) => sdp.Append(line).Append("\r\n");
}
