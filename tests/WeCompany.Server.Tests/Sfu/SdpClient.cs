using System.Collections.Concurrent;
using System.Net;
using WeCompany.Media.Dtls;
using WeCompany.Media.Ice;
using WeCompany.Media.Rtp;
using WeCompany.Media.Sdp;
using WeCompany.Media.Tests.Forwarding;

namespace WeCompany.Server.Tests.Sfu;

/// <summary>
/// A participant's side of the SFU's SDP exchange around a <see cref="LoopbackClientPeer"/>: writes offers the
/// way a browser does (BUNDLE, rtcp-mux, a=setup:actpass, a=ssrc with a FID group), answers the server's
/// offers (a=setup:active, recvonly), and connects to the candidate the server announced.
/// </summary>
internal sealed class SdpClient : IDisposable
{
    public LoopbackClientPeer Peer { get; } = new();

    /// <summary>The SSRCs each server section forwards, by mid (from the server's offers).</summary>
    public ConcurrentDictionary<string, (uint Ssrc, string StreamId, SdpDirection Direction)> Incoming { get; } = new();

    public string PublishOffer(params (string Mid, string Kind, uint Ssrc, uint? Rtx)[] tracks)
    {
        var session = new SessionDescription { SessionId = "4611731400430051336", SessionVersion = 2, MsidSemantic = "WMS *" };
        foreach (var (mid, kind, ssrc, rtx) in tracks)
        {
            var media = Section(kind, mid, SdpDirection.SendOnly, SdpSetup.ActPass);
            media.Extmaps.Add(new SdpExtmap(1, RtpExtensionUris.AudioLevel));
            media.Extmaps.Add(new SdpExtmap(3, RtpExtensionUris.TransportWideCc));
            media.Extmaps.Add(new SdpExtmap(4, RtpExtensionUris.Mid));
            media.MsidStream = "local";
            media.MsidTrack = "track-" + mid;
            media.Ssrcs.Add(new SdpSsrc(ssrc) { Cname = "c", StreamId = "local", TrackId = "track-" + mid });
            if (rtx is { } repair)
            {
                media.Ssrcs.Add(new SdpSsrc(repair) { Cname = "c", StreamId = "local", TrackId = "track-" + mid });
                media.SsrcGroups.Add(new SdpSsrcGroup("FID", [ssrc, repair]));
            }

            session.Media.Add(media);
            session.BundleMids.Add(mid);
        }

        return SdpWriter.Write(session);
    }

    /// <summary>Answers a server offer: every sendonly section recvonly, inactive stays inactive.</summary>
    public string Answer(string offerSdp)
    {
        Assert.True(SdpParser.TryParse(offerSdp, out var offer, out var error), error?.Message);
        var session = new SessionDescription { SessionId = "4611731400430051337", SessionVersion = 3, MsidSemantic = "WMS *" };
        foreach (var offered in offer.Media)
        {
            var direction = offered.Direction == SdpDirection.SendOnly ? SdpDirection.RecvOnly
                : offered.Direction == SdpDirection.RecvOnly ? SdpDirection.SendOnly : SdpDirection.Inactive;
            var media = Section(offered.Kind, offered.Mid!, direction, SdpSetup.Active, offered.Codecs);
            if (offered.IsRejected)
            {
                media.Port = 0;
            }

            session.Media.Add(media);
            session.BundleMids.Add(offered.Mid!);
            if (offered.Ssrcs.Count > 0)
            {
                Incoming[offered.Mid!] = (offered.Ssrcs[0].Ssrc, offered.MsidStream ?? "", offered.Direction);
            }
            else if (Incoming.TryGetValue(offered.Mid!, out var known))
            {
                Incoming[offered.Mid!] = known with { Direction = offered.Direction };
            }
        }

        return SdpWriter.Write(session);
    }

    /// <summary>Checks in to the first candidate of the server's description and runs DTLS.</summary>
    public Task ConnectAsync(string serverSdp)
    {
        Assert.True(SdpParser.TryParse(serverSdp, out var description, out var error), error?.Message);
        var media = description.Media.First(m => !m.IsRejected);
        var candidate = media.Candidates[0].Split(' ');
        var endPoint = new IPEndPoint(IPAddress.Parse(candidate[4]), int.Parse(candidate[5], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(DtlsFingerprint.TryParse(media.Fingerprint!.ToString(), out var fingerprint));
        return Peer.ConnectAsync(endPoint, new IceCredentials(media.IceUfrag!, media.IcePwd!), fingerprint);
    }

    private MediaDescription Section(string kind, string mid, SdpDirection direction, SdpSetup setup, IEnumerable<SdpCodec>? codecs = null)
    {
        var media = new MediaDescription
        {
            Kind = kind,
            Mid = mid,
            Direction = direction,
            RtcpMux = true,
            RtcpReducedSize = true,
            IceUfrag = Peer.Ice.Ufrag,
            IcePwd = Peer.Ice.Password,
            Fingerprint = new SdpFingerprint("sha-256", Peer.Fingerprint.ToString()["sha-256 ".Length..]),
            Setup = setup,
        };
        var list = codecs?.Select(c => c.Clone()).ToList() ?? DefaultCodecs(kind);
        foreach (var codec in list)
        {
            media.Codecs.Add(codec);
            media.Formats.Add(codec.PayloadType.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return media;
    }

    private static List<SdpCodec> DefaultCodecs(string kind)
    {
        if (kind == "audio")
        {
            var opus = new SdpCodec(111, "opus", 48000, 2) { Fmtp = "minptime=10;useinbandfec=1" };
            opus.RtcpFeedback.Add("transport-cc");
            return [opus];
        }

        var vp8 = new SdpCodec(96, "VP8", 90000);
        vp8.RtcpFeedback.AddRange(["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"]);
        var rtx = new SdpCodec(97, "rtx", 90000) { Fmtp = "apt=96" };
        return [vp8, rtx];
    }

    public void Dispose() => Peer.Dispose();
}
