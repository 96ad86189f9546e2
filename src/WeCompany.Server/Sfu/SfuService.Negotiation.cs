using System.Security.Cryptography;
using WeCompany.Media.Dtls;
using WeCompany.Media.Forwarding;
using WeCompany.Media.Rtp;
using WeCompany.Media.Sdp;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Sfu;

public sealed partial class SfuService
{
    private const int OfferType = 1;
    private const int AnswerType = 2;

    // A server offer unanswered this long is taken as lost (the client reloaded or dropped it): offer again.
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    // Feedback subscribers may send for forwarded tracks: NACK and key frame requests (RFC 4585, RFC 5104).
    private static readonly string[] SubscriberFeedback = ["nack", "nack pli", "ccm fir"];

    private async Task<SfuResult> AnswerOfferAsync(SfuParticipant participant, SessionDescription offer, CancellationToken cancellationToken)
    {
        await participant.Gate.WaitAsync(cancellationToken);
        try
        {
            if (participant.AwaitingAnswer && _time.GetUtcNow() - participant.OfferSentAt < AnswerTimeout)
            {
                // Glare: the server is the impolite side (webrtc-pc §10.7); the browser rolls back and answers ours.
                SfuLog.Glare(_logger, participant.PeerId);
                return SfuResult.Accepted;
            }

            foreach (var media in offer.Media)
            {
                var known = participant.Sections.Find(s => s.Mid == media.Mid);
                if (!participant.MayPublish && !media.IsRejected && (known is null || known.FromClient)
                    && media.Direction is SdpDirection.SendOnly or SdpDirection.SendRecv && media.Ssrcs.Count > 0)
                {
                    return new SfuResult(ErrorCodes.SignalingForbidden, "The audience may not publish audio or video.");
                }
            }

            var first = offer.Media.Find(m => !m.IsRejected);
            if (first?.IceUfrag is null || first.IcePwd is null || first.Fingerprint is null
                || !DtlsFingerprint.TryParse(first.Fingerprint.ToString(), out var fingerprint))
            {
                return new SfuResult(ErrorCodes.SignalingMalformed, "The offer has no usable ICE credentials or DTLS fingerprint.");
            }

            participant.Peer.SetRemoteDescription(first.IceUfrag, first.IcePwd, fingerprint);
            participant.Peer.ExtensionIds = new RtpExtensionIds(
                FindExtension(offer, RtpExtensionUris.AudioLevel), FindExtension(offer, RtpExtensionUris.TransportWideCc), FindExtension(offer, RtpExtensionUris.AbsSendTime));

            var outgoing = participant.Sections.Where(s => !s.FromClient && s.Source is not null).ToDictionary(s => s.Mid, s => s.Source!);
            var options = new SdpAnswerOptions { Transport = LocalTransport(participant), OutgoingSources = outgoing };
            if (!SdpAnswerBuilder.TryBuild(offer, options, out var answer, out var error))
            {
                return new SfuResult(ErrorCodes.SignalingMalformed, "The offer cannot be answered: " + error.Message);
            }

            ReconcileClientSections(participant, offer, answer);
            foreach (var media in answer.Media)
            {
                var section = participant.Sections.Find(s => s.Mid == media.Mid);
                if (section is { FromClient: false, Source: null } && !media.IsRejected)
                {
                    media.Direction = SdpDirection.Inactive;
                }
            }

            answer.SessionVersion = ++participant.Version;
            _sender.SendToUser(participant.Room.MeetingId, participant.UserId, AnswerType, new SfuSdpPayload("answer", SdpWriter.Write(answer)));
            return SfuResult.Accepted;
        }
        finally
        {
            participant.Gate.Release();
        }
    }

    private static async Task<SfuResult> ApplyAnswerAsync(SfuParticipant participant, SessionDescription answer, CancellationToken cancellationToken)
    {
        await participant.Gate.WaitAsync(cancellationToken);
        try
        {
            if (!participant.AwaitingAnswer)
            {
                return SfuResult.Accepted; // An answer to an offer already superseded.
            }

            var first = answer.Media.Find(m => !m.IsRejected);
            if (first is not null && !participant.Peer.HasRemoteDescription)
            {
                if (first.IceUfrag is null || first.IcePwd is null || first.Fingerprint is null
                    || !DtlsFingerprint.TryParse(first.Fingerprint.ToString(), out var fingerprint))
                {
                    return new SfuResult(ErrorCodes.SignalingMalformed, "The answer has no usable ICE credentials or DTLS fingerprint.");
                }

                if (first.Setup == SdpSetup.Passive)
                {
                    return new SfuResult(ErrorCodes.SignalingMalformed, "The server is always the DTLS server: answer a=setup:active.");
                }

                participant.Peer.SetRemoteDescription(first.IceUfrag, first.IcePwd, fingerprint);
            }

            participant.AwaitingAnswer = false;
            foreach (var media in answer.Media)
            {
                var section = participant.Sections.Find(s => s.Mid == media.Mid);
                if (section is not null && !section.FromClient)
                {
                    section.Rejected |= media.IsRejected;
                }
            }

            return SfuResult.Accepted;
        }
        finally
        {
            participant.Gate.Release();
        }
    }

    // Offers every participant of the room whatever changed for them, one at a time per participant.
    private async Task SyncRoomAsync(SfuRoom room, CancellationToken cancellationToken)
    {
        foreach (var participant in room.Snapshot())
        {
            try
            {
                await RenegotiateAsync(participant, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                SfuLog.RenegotiationFailed(_logger, exception, participant.PeerId);
            }
        }
    }

    private async Task RenegotiateAsync(SfuParticipant participant, CancellationToken cancellationToken)
    {
        await participant.Gate.WaitAsync(cancellationToken);
        try
        {
            if (participant.Closed)
            {
                return;
            }

            var changed = SyncServerSections(participant);
            if (participant.AwaitingAnswer && _time.GetUtcNow() - participant.OfferSentAt < AnswerTimeout)
            {
                participant.RenegotiationPending |= changed;
                return;
            }

            if (!changed && !participant.RenegotiationPending && !participant.AwaitingAnswer)
            {
                return;
            }

            participant.RenegotiationPending = false;
            if (participant.Sections.Count == 0)
            {
                return;
            }

            var offer = BuildOffer(participant);
            participant.AwaitingAnswer = true;
            participant.OfferSentAt = _time.GetUtcNow();
            SfuLog.OfferSent(_logger, participant.PeerId, participant.Version, participant.Sections.Count);
            _sender.SendToUser(participant.Room.MeetingId, participant.UserId, OfferType, new SfuSdpPayload("offer", offer));
        }
        finally
        {
            participant.Gate.Release();
        }
    }

    // Under the participant's gate: adds a section per new track of the others, switches re-published tracks, and
    // makes sections of departed tracks inactive. True when the SDP must change.
    private bool SyncServerSections(SfuParticipant participant)
    {
        var room = participant.Room;
        KeyValuePair<string, RoomTrack>[] tracks;
        lock (room.Gate)
        {
            tracks = [.. room.Tracks.Where(t => t.Value.PublisherPeerId != participant.PeerId)];
        }

        var changed = false;
        foreach (var (key, track) in tracks)
        {
            var section = participant.Sections.Find(s => s.TrackKey == key);
            if (section is null)
            {
                if (participant.Sections.Count >= _options.MaxSectionsPerParticipant)
                {
                    continue;
                }

                var ssrc = NewSsrc(participant);
                // RFC 4588: retransmissions on their own SSRC when the publisher's formats include rtx.
                uint? rtxSsrc = track.Track.Kind == MediaKind.Video && track.Codecs.Any(c => c.IsRtx) ? NewSsrc(participant, ssrc) : null;
                var clockRate = track.Track.Kind == MediaKind.Audio ? 48000 : 90000;
                section = new SfuSection
                {
                    Mid = "s" + participant.NextServerMid++.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Kind = track.Track.Kind,
                    FromClient = false,
                    TrackKey = key,
                    Down = participant.Peer.AddDownTrack(ssrc, track.Track.Kind, clockRate, track.Track),
                    // The publisher's peer id is the stream id: the web client maps streams to users by it.
                    Source = new SdpMediaSource(ssrc, rtxSsrc, track.PublisherPeerId, track.PublisherPeerId, key),
                };
                section.Codecs.AddRange(track.Codecs.Select(c => c.Clone()));
                if (rtxSsrc is { } repair)
                {
                    section.Down.EnableRtx(repair, PayloadTypeMapping.RtxTable(section.Codecs));
                }

                participant.Sections.Add(section);
                changed = true;
            }
            else if (section.Down is not null && section.Down.Source != track.Track)
            {
                // Same publisher and mid, new SSRC: continue on the same outgoing SSRC, no renegotiation.
                section.Down.SwitchSource(track.Track);
            }
        }

        foreach (var section in participant.Sections)
        {
            if (!section.FromClient && section.Source is not null && !Array.Exists(tracks, t => t.Key == section.TrackKey))
            {
                section.Source = null;
                section.Down?.SwitchSource(null);
                changed = true;
            }
        }

        return changed;
    }

    private string BuildOffer(SfuParticipant participant)
    {
        var media = participant.Sections.Select(s => new SdpOfferMedia
        {
            Mid = s.Mid,
            Kind = s.Kind == MediaKind.Audio ? "audio" : "video",
            Direction = s.FromClient
                ? (s.ClientDirection is SdpDirection.SendOnly or SdpDirection.SendRecv ? SdpDirection.RecvOnly : SdpDirection.Inactive)
                : (s.Source is null ? SdpDirection.Inactive : SdpDirection.SendOnly),
            Codecs = s.Codecs,
            Extmaps = s.Extmaps,
            Source = s.FromClient ? null : s.Source,
        }).ToList();
        var description = SdpOfferBuilder.Build(LocalTransport(participant), media, ++participant.Version);
        foreach (var section in participant.Sections.Where(s => s.Rejected))
        {
            // RFC 8829 §5.2.2: a rejected m-section stays in later offers with port 0.
            var rejected = description.FindByMid(section.Mid)!;
            rejected.Port = 0;
            rejected.BundleOnly = false;
            description.BundleMids.Remove(section.Mid);
        }

        return SdpWriter.Write(description);
    }

    private void ReconcileClientSections(SfuParticipant participant, SessionDescription offer, SessionDescription answer)
    {
        var room = participant.Room;
        for (var i = 0; i < offer.Media.Count; i++)
        {
            var offered = offer.Media[i];
            var answered = answer.Media[i];
            var mid = offered.Mid ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var section = participant.Sections.Find(s => s.Mid == mid);
            if (section is null)
            {
                section = new SfuSection { Mid = mid, Kind = offered.Kind == "audio" ? MediaKind.Audio : MediaKind.Video, FromClient = true };
                participant.Sections.Add(section);
            }

            if (!section.FromClient)
            {
                section.Rejected |= answered.IsRejected;
                if (!answered.IsRejected)
                {
                    AdoptSubscriberPayloadTypes(room, section, answered);
                }

                continue;
            }

            section.ClientDirection = offered.Direction;
            section.Rejected = answered.IsRejected;
            section.Codecs.Clear();
            section.Codecs.AddRange(answered.IsRejected ? offered.Codecs : answered.Codecs);
            section.Extmaps.Clear();
            section.Extmaps.AddRange(answered.Extmaps);
            var key = participant.PeerId + "-" + mid;
            var publishes = !answered.IsRejected && offered.Direction is SdpDirection.SendOnly or SdpDirection.SendRecv
                && TryGetPrimarySsrc(offered, out _, out _)
                && participant.Sections.Count(s => s.Published is not null && s != section) < _options.MaxTracksPerParticipant;
            if (publishes && TryGetPrimarySsrc(offered, out var ssrc, out var rtx))
            {
                if (section.Published is { } current && current.Ssrc == ssrc && !current.IsClosed)
                {
                    continue;
                }

                var previous = section.Published;
                var track = participant.Peer.AddPublishedTrack(new PublishedTrackOptions
                {
                    Ssrc = ssrc,
                    RtxSsrc = rtx,
                    Kind = section.Kind,
                    Mid = mid,
                    ClockRate = section.Kind == MediaKind.Audio ? 48000 : 90000,
                    RtxPayloadTypes = answered.Codecs.Where(c => c.IsRtx && c.AssociatedPayloadType is not null).ToDictionary(c => c.PayloadType, c => c.AssociatedPayloadType!.Value),
                    Vp8PayloadTypes = [.. answered.Codecs.Where(c => c.Name.Equals("VP8", StringComparison.OrdinalIgnoreCase)).Select(c => c.PayloadType)],
                });
                lock (room.Gate)
                {
                    track.Muted = section.Kind == MediaKind.Audio && room.MutedUsers.Contains(participant.UserId);
                    room.Tracks[key] = new RoomTrack(track, SubscriberCodecs(answered.Codecs), participant.PeerId, participant.UserId);
                }

                section.Published = track;
                if (previous is not null)
                {
                    participant.Peer.RemovePublishedTrack(previous);
                }
            }
            else if (section.Published is { } stopped)
            {
                section.Published = null;
                lock (room.Gate)
                {
                    room.Tracks.Remove(key);
                }

                participant.Peer.RemovePublishedTrack(stopped);
            }
        }
    }

    // The subscriber offered a section we forward on: send with its numbers from now on, and offer them later.
    private static void AdoptSubscriberPayloadTypes(SfuRoom room, SfuSection section, MediaDescription answered)
    {
        RoomTrack? track;
        lock (room.Gate)
        {
            track = section.TrackKey is null ? null : room.Tracks.GetValueOrDefault(section.TrackKey);
        }

        var codecs = track is null ? [] : PayloadTypeMapping.Matching(track.Codecs, answered.Codecs);
        if (track is null || codecs.Count == 0 || section.Down is null)
        {
            return;
        }

        section.Down.SetPayloadTypeMap(PayloadTypeMapping.Build(track.Codecs, answered.Codecs));
        codecs.AddRange(PayloadTypeMapping.RtxFor(codecs, answered.Codecs));
        if (section.Source?.RtxSsrc is { } repair && codecs.Exists(c => c.IsRtx))
        {
            section.Down.EnableRtx(repair, PayloadTypeMapping.RtxTable(codecs));
        }
        else
        {
            section.Down.DisableRtx();
        }

        section.Codecs.Clear();
        section.Codecs.AddRange(codecs);
    }

    // RFC 5576 §4.2 / RFC 4588: the FID group names primary then repair; without one, the first a=ssrc.
    private static bool TryGetPrimarySsrc(MediaDescription media, out uint ssrc, out uint? rtx)
    {
        foreach (var (primary, repair) in media.RtxPairs)
        {
            ssrc = primary;
            rtx = repair;
            return true;
        }

        rtx = null;
        ssrc = media.Ssrcs.Count > 0 ? media.Ssrcs[0].Ssrc : 0;
        return media.Ssrcs.Count > 0;
    }

    private static List<SdpCodec> SubscriberCodecs(IEnumerable<SdpCodec> answered)
    {
        var codecs = new List<SdpCodec>();
        foreach (var codec in answered.Where(c => !c.IsRtx))
        {
            var copy = new SdpCodec(codec.PayloadType, codec.Name, codec.ClockRate, codec.Channels) { Fmtp = codec.Fmtp };
            copy.RtcpFeedback.AddRange(codec.RtcpFeedback.Where(f => SubscriberFeedback.Contains(f)));
            codecs.Add(copy);
        }

        // The publisher's rtx formats (apt=) are offered to subscribers too: the SFU resends NACKed packets as RTX.
        var primaries = codecs.ToList();
        codecs.AddRange(PayloadTypeMapping.RtxFor(primaries, [.. answered]));
        return codecs;
    }

    private static int FindExtension(SessionDescription description, string uri) =>
        description.Media.Select(m => m.GetExtensionId(uri)).FirstOrDefault(id => id > 0);

    private static uint NewSsrc(SfuParticipant participant, uint taken = 0)
    {
        while (true)
        {
            var ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
            if (ssrc != taken && !participant.Sections.Exists(s => s.Source?.Ssrc == ssrc || s.Source?.RtxSsrc == ssrc || s.Down?.Ssrc == ssrc))
            {
                return ssrc;
            }
        }
    }

    private SdpLocalTransport LocalTransport(SfuParticipant participant)
    {
        var fingerprint = _server!.Fingerprint;
        return new SdpLocalTransport
        {
            IceCredentials = participant.Peer.LocalIceCredentials,
            Fingerprint = new SdpFingerprint(fingerprint.Algorithm, fingerprint.ToString()[(fingerprint.Algorithm.Length + 1)..]),
            Candidates = _candidates,
            SessionId = participant.SessionId,
        };
    }
}
