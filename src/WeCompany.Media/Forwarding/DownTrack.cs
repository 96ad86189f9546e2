using System.Buffers;
using System.Buffers.Binary;
using WeCompany.Media.Rtcp;
using WeCompany.Media.Rtp;

namespace WeCompany.Media.Forwarding;

/// <summary>
/// One forwarded track on one subscriber's transport: a stable outgoing SSRC whose sequence numbers and
/// timestamps stay continuous when the source changes (a screen share replacing a camera, a re-published
/// track). Each packet is rewritten into a pooled buffer, protected with the subscriber's SRTP session and
/// sent once. Header extensions are not forwarded: the subscriber's SDP declares none for these sections.
/// </summary>
/// <remarks>
/// Rewriting runs on the server's receive loop (forwarding and the subscriber's NACKs); <see cref="SwitchSource"/>
/// may be called from any thread and takes effect with the next packet.
/// </remarks>
public sealed partial class DownTrack
{
    private readonly TimeProvider _time;
    private volatile PublishedTrack? _source;
    private volatile byte[]? _payloadTypes;
    private PublishedTrack? _current;
    private bool _started;
    private bool _waitingForKeyframe;
    private ushort _sequenceOffset;
    private uint _timestampOffset;
    private ushort _lastSequence;
    private uint _lastTimestamp;
    private long _lastSentAt;
    private long _packetsSent;
    private long _retransmitted;

    internal DownTrack(MediaPeer subscriber, uint ssrc, MediaKind kind, int clockRate, TimeProvider time)
    {
        Subscriber = subscriber;
        Ssrc = ssrc;
        Kind = kind;
        ClockRate = clockRate;
        _time = time;
    }

    /// <summary>The receiving peer.</summary>
    public MediaPeer Subscriber { get; }

    /// <summary>The SSRC the subscriber sees (announced in its offer).</summary>
    public uint Ssrc { get; }

    /// <summary>Audio or video.</summary>
    public MediaKind Kind { get; }

    /// <summary>RTP clock rate of the output.</summary>
    public int ClockRate { get; }

    /// <summary>The track forwarded now, or null while paused.</summary>
    public PublishedTrack? Source => _source;

    /// <summary>Packets sent to the subscriber (retransmissions included).</summary>
    public long PacketsSent => Interlocked.Read(ref _packetsSent);

    /// <summary>Packets sent again because the subscriber NACKed them.</summary>
    public long Retransmitted => Interlocked.Read(ref _retransmitted);

    /// <summary>
    /// Forwards <paramref name="source"/> from now on (null pauses). The first packet of a new video source
    /// waits for a key frame, which is requested at once.
    /// </summary>
    public void SwitchSource(PublishedTrack? source)
    {
        var previous = _source;
        if (previous == source)
        {
            return;
        }

        previous?.RemoveDownTrack(this);
        _source = source;
        if (source is not null)
        {
            source.AddDownTrack(this);
            if (Subscriber.State == MediaPeerState.Connected)
            {
                source.RequestKeyframe();
            }
        }
    }

    /// <summary>
    /// Payload types change on the way out: <c>map[sourceType]</c> is the type the subscriber negotiated for the
    /// same codec (RFC 3264 §6.1: a sender uses the receiver's numbers; a peer such as aiortc renumbers the
    /// formats of its subscribed sections when it offers). 128 entries; null keeps the source's numbers.
    /// </summary>
    public void SetPayloadTypeMap(ReadOnlySpan<byte> map)
    {
        if (map.Length != 128)
        {
            throw new ArgumentException("A payload type map has 128 entries.", nameof(map));
        }

        _payloadTypes = map.ToArray();
    }

    internal void SourceClosed(PublishedTrack source)
    {
        if (_source == source)
        {
            _source = null;
        }
    }

    // Receive loop: rewrites and sends one packet of the source.
    internal void Forward(PublishedTrack source, RtpPacket packet, bool keyframe, bool retransmission)
    {
        if (source != _source || Subscriber.State != MediaPeerState.Connected)
        {
            return;
        }

        if (source != _current)
        {
            // A new source: wait for its key frame (video), then continue our numbering from where it stopped.
            _current = source;
            _waitingForKeyframe = Kind == MediaKind.Video && source.IsVp8(packet.PayloadType);
            if (_waitingForKeyframe)
            {
                source.RequestKeyframe();
            }

            _sequenceOffset = 0;
            _timestampOffset = 0;
            _hasOffsets = false;
        }

        if (_waitingForKeyframe)
        {
            if (!keyframe)
            {
                return;
            }

            _waitingForKeyframe = false;
        }

        if (!_hasOffsets)
        {
            SetOffsets(packet);
        }

        var sequence = (ushort)(packet.SequenceNumber + _sequenceOffset);
        var timestamp = packet.Timestamp + _timestampOffset;
        if (!retransmission && (!_started || (short)(sequence - _lastSequence) > 0))
        {
            _started = true;
            _lastSequence = sequence;
            _lastTimestamp = timestamp;
            _lastSentAt = _time.GetTimestamp();
        }

        Send(packet, sequence, timestamp);
    }

    // Receive loop: the subscriber NACKed our sequence numbers; resend what the source's buffer still holds.
    internal void Retransmit(ReadOnlySpan<ushort> sequences)
    {
        var source = _current;
        if (source?.Retransmissions is null || !_hasOffsets || source != _source)
        {
            return;
        }

        foreach (var sequence in sequences)
        {
            var original = (ushort)(sequence - _sequenceOffset);
            if (!source.Retransmissions.TryGet(original, out var stored))
            {
                continue;
            }

            // The buffer is only written by this same loop, so the stored bytes stay put while we copy them.
            var copy = ArrayPool<byte>.Shared.Rent(stored.Length);
            try
            {
                stored.CopyTo(copy);
                if (RtpPacket.TryParse(copy.AsSpan(0, stored.Length), out var packet))
                {
                    if (!TrySendRtx(packet, sequence, packet.Timestamp + _timestampOffset))
                    {
                        Send(packet, sequence, packet.Timestamp + _timestampOffset);
                    }

                    Interlocked.Increment(ref _retransmitted);
                    Subscriber.Server.CountRetransmission();
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }
    }

    private bool _hasOffsets;
    private uint _octetsSent;

    // Receive loop: the source's sender report, rewritten to our SSRC and timestamp numbering.
    internal void ForwardSenderReport(PublishedTrack source, ulong ntpTimestamp, uint rtpTimestamp)
    {
        if (source != _current || source != _source || !_hasOffsets || Subscriber.State != MediaPeerState.Connected)
        {
            return;
        }

        Span<byte> report = stackalloc byte[28];
        var length = SenderReport.Write(report, Ssrc, ntpTimestamp, rtpTimestamp + _timestampOffset, (uint)PacketsSent, _octetsSent, []);
        Subscriber.SendRtcp(report[..length]);
    }

    private void SetOffsets(RtpPacket packet)
    {
        _hasOffsets = true;
        if (!_started)
        {
            // The first source keeps its own numbering (it is already random, RFC 3550 §5.1).
            return;
        }

        // RFC 3550 §5.1: numbers continue by one; the timestamp advances by the wall time since the last packet.
        _sequenceOffset = (ushort)(_lastSequence + 1 - packet.SequenceNumber);
        var elapsedTicks = (long)(_time.GetElapsedTime(_lastSentAt).TotalSeconds * ClockRate);
        var advance = (uint)Math.Max(1, elapsedTicks);
        _timestampOffset = _lastTimestamp + advance - packet.Timestamp;
    }

    private void Send(RtpPacket packet, ushort sequence, uint timestamp)
    {
        var outgoing = ArrayPool<byte>.Shared.Rent(2048);
        try
        {
            var length = Rewrite(packet, outgoing, sequence, timestamp);
            if (Subscriber.SendRtp(outgoing, length))
            {
                Interlocked.Increment(ref _packetsSent);
                _octetsSent += (uint)packet.Payload.Length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(outgoing);
        }
    }

    // Writes V=2, P, CC (no X), M, PT, our sequence number, timestamp and SSRC, the CSRCs, then payload and padding.
    private int Rewrite(RtpPacket packet, Span<byte> destination, ushort sequence, uint timestamp)
    {
        var source = packet.Buffer;
        var csrcBytes = 4 * packet.CsrcCount;
        destination[0] = (byte)(source[0] & 0xEF);
        destination[1] = _payloadTypes is { } map ? (byte)((source[1] & 0x80) | map[source[1] & 0x7F]) : source[1];
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Ssrc);
        source.Slice(RtpPacket.FixedHeaderLength, csrcBytes).CopyTo(destination[RtpPacket.FixedHeaderLength..]);
        var body = source[packet.HeaderLength..];
        var offset = RtpPacket.FixedHeaderLength + csrcBytes;
        body.CopyTo(destination[offset..]);
        return offset + body.Length;
    }
}
