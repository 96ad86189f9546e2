using WeCompany.Media.Rtcp;
using WeCompany.Media.Rtp;
using WeCompany.Media.Srtp;

namespace WeCompany.Media.Forwarding;

public sealed partial class MediaPeer
{
    private readonly Lock _feedbackGate = new();
    private readonly TransportCcFeedbackBuilder _transportCc = new();
    private byte _feedbackCount;
    private long _lastRemb;
    private uint _anyPublishedSsrc;

    // Receive loop: one SRTP packet from this peer, decrypted and handled in place.
    internal void OnRtp(Span<byte> buffer, int length)
    {
        var receive = _receive;
        if (receive is null || _state != MediaPeerState.Connected)
        {
            return;
        }

        var result = receive.UnprotectRtp(buffer, length, out var plainLength);
        if (result != SrtpResult.Ok)
        {
            Server.CountSrtpFailure(result);
            return;
        }

        if (!RtpPacket.TryParse(buffer[..plainLength], out var packet))
        {
            Server.CountMalformed();
            return;
        }

        var ids = ExtensionIds;
        if (ids.TransportSequence != 0 && packet.TryGetTransportSequenceNumber(ids.TransportSequence, out var transportSequence))
        {
            var arrival = (long)(_time.GetElapsedTime(0).Ticks / 10);
            lock (_feedbackGate)
            {
                if (!_transportCc.Add(transportSequence, arrival))
                {
                    // Full between ticks: drop the oldest report rather than the packet.
                    _transportCc.Clear();
                    _transportCc.Add(transportSequence, arrival);
                }
            }
        }

        if (!_publishedBySsrc.TryGetValue(packet.Ssrc, out var track))
        {
            Server.CountUnknownSource();
            return;
        }

        _anyPublishedSsrc = track.Ssrc;
        if (packet.Ssrc == track.Ssrc)
        {
            track.OnRtp(packet, retransmission: false);
            return;
        }

        var offset = track.UnwrapRtx(buffer[..plainLength], packet);
        if (offset >= 0 && RtpPacket.TryParse(buffer[offset..(plainLength + offset)], out var original))
        {
            track.OnRtp(original, retransmission: true);
        }
    }

    // Receive loop: one SRTCP compound packet from this peer.
    internal void OnRtcp(Span<byte> buffer, int length)
    {
        var receive = _receive;
        if (receive is null || _state != MediaPeerState.Connected)
        {
            return;
        }

        var result = receive.UnprotectRtcp(buffer, length, out var plainLength);
        if (result != SrtpResult.Ok)
        {
            Server.CountSrtpFailure(result);
            return;
        }

        Span<ushort> lost = stackalloc ushort[256];
        var reader = new RtcpCompoundReader(buffer[..plainLength]);
        while (reader.TryReadNext(out var packet))
        {
            if (SenderReport.TryRead(packet, out var report))
            {
                if (_publishedBySsrc.TryGetValue(report.SenderSsrc, out var reported) && reported.Ssrc == report.SenderSsrc)
                {
                    reported.OnSenderReport(report.NtpTimestamp, report.RtpTimestamp);
                }
            }
            else if (RtcpFeedback.IsPictureLossIndication(packet) && RtcpFeedback.TryGetMediaSsrc(packet, out var mediaSsrc))
            {
                RequestKeyframeFor(mediaSsrc);
            }
            else if (packet.PacketType == RtcpPacketType.PayloadFeedback && packet.CountOrFormat == RtcpFeedbackFormat.FullIntraRequest)
            {
                for (var i = 0; RtcpFeedback.TryGetFullIntraRequest(packet, i, out var firSsrc, out _); i++)
                {
                    RequestKeyframeFor(firSsrc);
                }
            }
            else if (RtcpFeedback.GetNackItemCount(packet) > 0 && RtcpFeedback.TryGetMediaSsrc(packet, out var nackSsrc)
                && _downTracksBySsrc.TryGetValue(nackSsrc, out var nacked))
            {
                var count = RtcpFeedback.ReadNackSequenceNumbers(packet, lost);
                nacked.Retransmit(lost[..count]);
            }
        }

        if (reader.IsMalformed)
        {
            Server.CountMalformed();
        }
    }

    private void RequestKeyframeFor(uint downTrackSsrc)
    {
        if (_downTracksBySsrc.TryGetValue(downTrackSsrc, out var downTrack))
        {
            Server.CountKeyframeRequest();
            downTrack.Source?.RequestKeyframe();
        }
    }

    // Server tick: transport-wide CC feedback for what arrived since the last tick, so the publisher's bandwidth
    // estimator ramps up instead of holding its start rate; and once a second a REMB with the configured maximum,
    // which caps the estimate (and is the only feedback for publishers without transport-cc).
    private void SendCongestionFeedback()
    {
        if (_anyPublishedSsrc == 0 || !Server.CongestionFeedback)
        {
            return;
        }

        Span<byte> packet = stackalloc byte[1200];
        if (ExtensionIds.TransportSequence != 0)
        {
            while (true)
            {
                int length;
                lock (_feedbackGate)
                {
                    length = _transportCc.Build(packet, RtcpSsrc, _anyPublishedSsrc, _feedbackCount);
                    if (length > 0)
                    {
                        _feedbackCount++;
                    }
                }

                if (length == 0)
                {
                    break;
                }

                SendRtcp(packet[..length]);
            }
        }

        if (_time.GetElapsedTime(_lastRemb) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _lastRemb = _time.GetTimestamp();
        Span<uint> ssrcs = stackalloc uint[16];
        var count = 0;
        foreach (var track in _publishedBySsrc.Values)
        {
            if (count < ssrcs.Length && track.Kind == MediaKind.Video && !ssrcs[..count].Contains(track.Ssrc))
            {
                ssrcs[count++] = track.Ssrc;
            }
        }

        if (count > 0)
        {
            var length = RtcpFeedback.WriteRemb(packet, RtcpSsrc, (ulong)Math.Max(0, Server.MaxPublishBitrate), ssrcs[..count]);
            SendRtcp(packet[..length]);
        }
    }
}
