using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace WeCompany.Media.Sdp;

/// <summary>
/// Parses a WebRTC session description (RFC 8866 syntax, RFC 8829 JSEP usage, unified plan) into a
/// <see cref="SessionDescription"/>. Unknown lines and attributes are skipped; lines we rely on
/// (m=, rtpmap, extmap, ssrc) must be well formed. Session-level ICE credentials, fingerprint and
/// setup are copied into every m-section that has none of its own.
/// </summary>
public static class SdpParser
{
    /// <summary>64 KiB: several times the largest Chromium offer with many transceivers.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Parses and validates; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out SessionDescription? description, [NotNullWhen(false)] out SdpError? error)
    {
        description = null;
        if (text.Length > MaxLength)
        {
            error = new SdpError(SdpErrorCode.Malformed, $"The SDP is longer than {MaxLength} characters.");
            return false;
        }

        var session = new SessionDescription();
        MediaDescription? media = null;
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            // RFC 8866 §5: <type>=<value>, type one letter; v= comes first.
            if (line.Length < 2 || line[1] != '=' || (lineNumber == 1 && line != "v=0"))
            {
                error = new SdpError(SdpErrorCode.Malformed, $"Line {lineNumber} is not a <type>=<value> line (or v=0 is not first): '{Shorten(line)}'.");
                return false;
            }

            var value = line[2..];
            string? problem = line[0] switch
            {
                'o' => ParseOrigin(session, value),
                'm' => ParseMediaLine(session, value, out media),
                'c' when media is not null => ParseConnection(media, value),
                'a' => media is null ? ParseSessionAttribute(session, value) : ParseMediaAttribute(media, value),
                _ => null,
            };
            if (problem is not null)
            {
                error = new SdpError(SdpErrorCode.Malformed, $"Line {lineNumber}: {problem} ('{Shorten(line)}').");
                return false;
            }
        }

        if (lineNumber == 0 || session.Media.Count == 0)
        {
            error = new SdpError(SdpErrorCode.Malformed, "The SDP has no m= section.");
            return false;
        }

        foreach (var section in session.Media)
        {
            Inherit(session, section);
            OrderCodecs(section);
        }

        error = Validate(session);
        if (error is not null)
        {
            return false;
        }

        description = session;
        return true;
    }

    // RFC 8829 §5.8: every m-section we will use needs ICE credentials and a DTLS fingerprint.
    private static SdpError? Validate(SessionDescription session)
    {
        foreach (var section in session.Media)
        {
            if (section.IsRejected)
            {
                continue;
            }

            var name = section.Mid ?? section.Kind;
            if (string.IsNullOrEmpty(section.IceUfrag) || string.IsNullOrEmpty(section.IcePwd))
            {
                return new SdpError(SdpErrorCode.MissingIceCredentials, $"The m-section '{name}' has no a=ice-ufrag/a=ice-pwd.");
            }

            if (section.Fingerprint is null)
            {
                return new SdpError(SdpErrorCode.MissingFingerprint, $"The m-section '{name}' has no a=fingerprint.");
            }
        }

        return null;
    }

    private static void Inherit(SessionDescription session, MediaDescription section)
    {
        section.IceUfrag ??= session.IceUfrag;
        section.IcePwd ??= session.IcePwd;
        section.Fingerprint ??= session.Fingerprint;
        if (section.Setup == SdpSetup.None)
        {
            section.Setup = session.Setup;
        }
    }

    // Codecs follow the m= line's order of preference; rtpmaps for unlisted payload types are dropped.
    private static void OrderCodecs(MediaDescription section)
    {
        var ordered = new List<SdpCodec>(section.Codecs.Count);
        foreach (var format in section.Formats)
        {
            var codec = section.Codecs.Find(c => c.PayloadType.ToString(CultureInfo.InvariantCulture) == format);
            if (codec is not null && !ordered.Contains(codec))
            {
                ordered.Add(codec);
            }
        }

        section.Codecs.Clear();
        section.Codecs.AddRange(ordered);
    }

    private static string? ParseOrigin(SessionDescription session, string value)
    {
        // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 6 || !ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return "o= needs six fields with a numeric version";
        }

        session.SessionId = parts[1];
        session.SessionVersion = version;
        return null;
    }

    private static string? ParseMediaLine(SessionDescription session, string value, out MediaDescription? media)
    {
        media = null;
        // m=<media> <port>[/<number of ports>] <proto> <fmt> ...
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4)
        {
            return "m= needs media, port, protocol and at least one format";
        }

        var portText = parts[1];
        var slash = portText.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            portText = portText[..slash];
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return "m= port is not a number in 0..65535";
        }

        media = new MediaDescription { Kind = parts[0], Port = port, Protocol = parts[2] };
        media.Formats.AddRange(parts.Skip(3));
        session.Media.Add(media);
        return null;
    }

    private static string? ParseConnection(MediaDescription media, string value)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3)
        {
            return "c= needs three fields";
        }

        media.ConnectionAddress = parts[2];
        return null;
    }

    private static string? ParseSessionAttribute(SessionDescription session, string value)
    {
        var (name, argument) = SplitAttribute(value);
        switch (name)
        {
            case "group":
                var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 0 && parts[0] == "BUNDLE")
                {
                    session.BundleMids.AddRange(parts.Skip(1));
                }

                break;
            case "ice-lite":
                session.IceLite = true;
                break;
            case "extmap-allow-mixed":
                session.ExtmapAllowMixed = true;
                break;
            case "msid-semantic":
                session.MsidSemantic = argument.Trim();
                break;
            case "ice-ufrag":
                session.IceUfrag = argument;
                break;
            case "ice-pwd":
                session.IcePwd = argument;
                break;
            case "fingerprint":
                session.Fingerprint = ParseFingerprint(argument);
                return session.Fingerprint is null ? "a=fingerprint needs an algorithm and a value" : null;
            case "setup":
                session.Setup = ParseSetup(argument);
                break;
            default:
                break;
        }

        return null;
    }

    private static string? ParseMediaAttribute(MediaDescription media, string value)
    {
        var (name, argument) = SplitAttribute(value);
        switch (name)
        {
            case "mid":
                media.Mid = argument;
                break;
            case "sendrecv":
                media.Direction = SdpDirection.SendRecv;
                break;
            case "sendonly":
                media.Direction = SdpDirection.SendOnly;
                break;
            case "recvonly":
                media.Direction = SdpDirection.RecvOnly;
                break;
            case "inactive":
                media.Direction = SdpDirection.Inactive;
                break;
            case "rtcp-mux":
                media.RtcpMux = true;
                break;
            case "rtcp-rsize":
                media.RtcpReducedSize = true;
                break;
            case "bundle-only":
                media.BundleOnly = true;
                break;
            case "ice-ufrag":
                media.IceUfrag = argument;
                break;
            case "ice-pwd":
                media.IcePwd = argument;
                break;
            case "fingerprint":
                media.Fingerprint = ParseFingerprint(argument);
                return media.Fingerprint is null ? "a=fingerprint needs an algorithm and a value" : null;
            case "setup":
                media.Setup = ParseSetup(argument);
                break;
            case "candidate":
                media.Candidates.Add(argument);
                break;
            case "end-of-candidates":
                media.EndOfCandidates = true;
                break;
            case "sctp-port":
                media.SctpPort = int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var sctp) ? sctp : null;
                break;
            case "msid":
                var msid = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                media.MsidStream = msid.Length > 0 ? msid[0] : null;
                media.MsidTrack = msid.Length > 1 ? msid[1] : null;
                break;
            case "rtpmap":
                return ParseRtpmap(media, argument);
            case "fmtp":
                return ParseFmtp(media, argument);
            case "rtcp-fb":
                return ParseRtcpFeedback(media, argument);
            case "extmap":
                return ParseExtmap(media, argument);
            case "ssrc":
                return ParseSsrc(media, argument);
            case "ssrc-group":
                return ParseSsrcGroup(media, argument);
            default:
                break;
        }

        return null;
    }

    private static (string Name, string Argument) SplitAttribute(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (value, string.Empty) : (value[..colon], value[(colon + 1)..]);
    }

    private static SdpFingerprint? ParseFingerprint(string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 ? new SdpFingerprint(parts[0].ToLowerInvariant(), parts[1].ToUpperInvariant()) : null;
    }

    private static SdpSetup ParseSetup(string argument) => argument.Trim() switch
    {
        "actpass" => SdpSetup.ActPass,
        "active" => SdpSetup.Active,
        "passive" => SdpSetup.Passive,
        "holdconn" => SdpSetup.HoldConn,
        _ => SdpSetup.None,
    };

    private static bool TryPayloadType(string text, out int payloadType) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out payloadType) && payloadType <= 127;

    private static string? ParseRtpmap(MediaDescription media, string argument)
    {
        // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
        var space = argument.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !TryPayloadType(argument[..space], out var payloadType))
        {
            return "a=rtpmap needs a payload type 0..127 and an encoding";
        }

        var encoding = argument[(space + 1)..].Trim().Split('/');
        var channels = 0;
        if (encoding.Length < 2 || encoding[0].Length == 0
            || !int.TryParse(encoding[1], NumberStyles.None, CultureInfo.InvariantCulture, out var clockRate) || clockRate == 0
            || (encoding.Length > 2 && !int.TryParse(encoding[2], NumberStyles.None, CultureInfo.InvariantCulture, out channels)))
        {
            return "a=rtpmap encoding must be name/clock-rate[/channels]";
        }

        if (media.Codecs.Exists(c => c.PayloadType == payloadType))
        {
            return "payload type mapped twice";
        }

        media.Codecs.Add(new SdpCodec(payloadType, encoding[0], clockRate, channels));
        return null;
    }

    private static string? ParseFmtp(MediaDescription media, string argument)
    {
        var space = argument.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !TryPayloadType(argument[..space], out var payloadType))
        {
            return "a=fmtp needs a payload type and parameters";
        }

        var codec = media.Codecs.Find(c => c.PayloadType == payloadType);
        if (codec is not null)
        {
            codec.Fmtp = argument[(space + 1)..].Trim();
        }

        return null;
    }

    private static string? ParseRtcpFeedback(MediaDescription media, string argument)
    {
        // RFC 4585 §4.2: a=rtcp-fb:<pt or *> <type> [<subtype>]
        var space = argument.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            return "a=rtcp-fb needs a payload type and a feedback type";
        }

        var feedback = argument[(space + 1)..].Trim();
        var target = argument[..space];
        if (target == "*")
        {
            media.Codecs.ForEach(c => c.RtcpFeedback.Add(feedback));
            return null;
        }

        if (!TryPayloadType(target, out var payloadType))
        {
            return "a=rtcp-fb payload type is not a number";
        }

        media.Codecs.Find(c => c.PayloadType == payloadType)?.RtcpFeedback.Add(feedback);
        return null;
    }

    private static string? ParseExtmap(MediaDescription media, string argument)
    {
        // RFC 8285 §8: a=extmap:<value>["/"<direction>] <URI> <extensionattributes>
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return "a=extmap needs an id and a URI";
        }

        var idText = parts[0];
        string? direction = null;
        var slash = idText.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            direction = idText[(slash + 1)..];
            idText = idText[..slash];
        }

        if (!int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id is < 1 or > 255)
        {
            return "a=extmap id must be 1..255";
        }

        media.Extmaps.Add(new SdpExtmap(id, parts[1], direction));
        return null;
    }

    private static string? ParseSsrc(MediaDescription media, string argument)
    {
        // RFC 5576 §4.1: a=ssrc:<ssrc-id> <attribute>[:<value>]
        var space = argument.IndexOf(' ', StringComparison.Ordinal);
        var idText = space < 0 ? argument : argument[..space];
        if (!uint.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var ssrc))
        {
            return "a=ssrc id is not a 32-bit number";
        }

        var source = media.Ssrcs.Find(s => s.Ssrc == ssrc);
        if (source is null)
        {
            source = new SdpSsrc(ssrc);
            media.Ssrcs.Add(source);
        }

        if (space < 0)
        {
            return null;
        }

        var (name, value) = SplitAttribute(argument[(space + 1)..]);
        if (name == "cname")
        {
            source.Cname = value;
        }
        else if (name == "msid")
        {
            var msid = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            source.StreamId = msid.Length > 0 ? msid[0] : null;
            source.TrackId = msid.Length > 1 ? msid[1] : null;
        }

        return null;
    }

    private static string? ParseSsrcGroup(MediaDescription media, string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return "a=ssrc-group needs semantics and SSRCs";
        }

        var ssrcs = new List<uint>(parts.Length - 1);
        foreach (var part in parts.Skip(1))
        {
            if (!uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var ssrc))
            {
                return "a=ssrc-group SSRC is not a 32-bit number";
            }

            ssrcs.Add(ssrc);
        }

        media.SsrcGroups.Add(new SdpSsrcGroup(parts[0], ssrcs));
        return null;
    }

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
