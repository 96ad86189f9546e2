using System.Buffers.Binary;
using WeCompany.Media.Rtcp;
using WeCompany.Media.Rtp;

namespace WeCompany.Media.Forwarding;

/// <summary>
/// One incoming stream of a publisher (one SSRC, plus its RTX SSRC): keeps the last packets for
/// retransmission (video), tracks gaps to NACK, smooths the RFC 6464 audio level, and fans each packet out
/// to its <see cref="DownTrack"/>s. A muted audio track drops its packets here, so moderation holds even if
/// the client keeps sending.
/// </summary>
/// <remarks>
/// Packets arrive on the server's receive loop; the down-track list is copy-on-write so fan-out takes no lock.
/// </remarks>
public sealed class PublishedTrack
{
    /// <summary>RFC 4585 §3.5 leaves the rate open; one key frame request per second keeps a publisher from
    /// encoding key frames back to back when many subscribers join or ask at once.</summary>
    public static readonly TimeSpan KeyframeRequestInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly byte[] _rtxToPrimaryPayloadType = new byte[128];
    private readonly bool[] _isVp8 = new bool[128];
    private volatile DownTrack[] _downTracks = [];
    private long _lastKeyframeRequest = long.MinValue;
    private bool _keyframePending;
    private int _smoothedLevel = 127;
    private long _lastVoice = long.MinValue;
    private long _packets;
    private long _bytes;

    internal PublishedTrack(MediaPeer publisher, PublishedTrackOptions options, TimeProvider time)
    {
        Publisher = publisher;
        _time = time;
        Ssrc = options.Ssrc;
        RtxSsrc = options.RtxSsrc;
        Kind = options.Kind;
        Mid = options.Mid;
        ClockRate = options.ClockRate;
        foreach (var (rtx, primary) in options.RtxPayloadTypes)
        {
            if (rtx is >= 0 and < 128 && primary is >= 0 and < 128)
            {
                _rtxToPrimaryPayloadType[rtx] = (byte)(primary | 0x80);
            }
        }

        foreach (var payloadType in options.Vp8PayloadTypes)
        {
            if (payloadType is >= 0 and < 128)
            {
                _isVp8[payloadType] = true;
            }
        }

        if (Kind == MediaKind.Video)
        {
            Retransmissions = new RetransmissionBuffer();
            Nacks = new NackTracker();
        }
    }

    /// <summary>The peer that sends this track.</summary>
    public MediaPeer Publisher { get; }

    /// <summary>The primary SSRC.</summary>
    public uint Ssrc { get; }

    /// <summary>The RTX SSRC, when announced.</summary>
    public uint? RtxSsrc { get; }

    /// <summary>Audio or video.</summary>
    public MediaKind Kind { get; }

    /// <summary>The publisher's mid.</summary>
    public string Mid { get; }

    /// <summary>RTP clock rate.</summary>
    public int ClockRate { get; }

    /// <summary>When set, packets are dropped at the SFU (host mute).</summary>
    public bool Muted { get; set; }

    /// <summary>Whether the track was removed (publisher left or renegotiated it away).</summary>
    public bool IsClosed { get; private set; }

    /// <summary>The subscribers' down-tracks fed by this track.</summary>
    public IReadOnlyList<DownTrack> DownTracks => _downTracks;

    /// <summary>RTP packets received (after SRTP).</summary>
    public long PacketsReceived => Interlocked.Read(ref _packets);

    /// <summary>RTP bytes received (after SRTP).</summary>
    public long BytesReceived => Interlocked.Read(ref _bytes);

    /// <summary>
    /// The smoothed RFC 6464 level in -dBov (0 loudest, 127 silence) over the last packets with voice
    /// activity; 127 when no voice was heard for a second.
    /// </summary>
    public int AudioLevel =>
        Interlocked.Read(ref _lastVoice) is var lastVoice && (lastVoice == long.MinValue || _time.GetElapsedTime(lastVoice) > TimeSpan.FromSeconds(1))
            ? 127
            : Volatile.Read(ref _smoothedLevel);

    internal RetransmissionBuffer? Retransmissions { get; }

    internal NackTracker? Nacks { get; }

    internal bool IsVp8(int payloadType) => _isVp8[payloadType & 0x7F];

    /// <summary>Asks the publisher for a key frame (PLI), at most once per <see cref="KeyframeRequestInterval"/>; a request inside the interval is sent when it ends.</summary>
    public void RequestKeyframe()
    {
        if (Kind != MediaKind.Video || IsClosed)
        {
            return;
        }

        lock (_gate)
        {
            _keyframePending = true;
        }

        FlushKeyframeRequest();
    }

    internal void AddDownTrack(DownTrack downTrack)
    {
        lock (_gate)
        {
            _downTracks = [.. _downTracks, downTrack];
        }
    }

    internal void RemoveDownTrack(DownTrack downTrack)
    {
        lock (_gate)
        {
            _downTracks = Array.FindAll(_downTracks, d => d != downTrack);
        }
    }

    internal void Close()
    {
        DownTrack[] downTracks;
        lock (_gate)
        {
            IsClosed = true;
            downTracks = _downTracks;
            _downTracks = [];
        }

        foreach (var downTrack in downTracks)
        {
            downTrack.SourceClosed(this);
        }
    }

    // Sends the pending PLI once the interval has passed; called by RequestKeyframe and the server's tick.
    internal void FlushKeyframeRequest()
    {
        lock (_gate)
        {
            if (!_keyframePending || (_lastKeyframeRequest != long.MinValue && _time.GetElapsedTime(_lastKeyframeRequest) < KeyframeRequestInterval))
            {
                return;
            }

            _keyframePending = false;
            _lastKeyframeRequest = _time.GetTimestamp();
        }

        Span<byte> pli = stackalloc byte[RtcpFeedback.CommonLength];
        RtcpFeedback.WritePictureLossIndication(pli, Publisher.RtcpSsrc, Ssrc);
        Publisher.SendRtcp(pli);
    }

    // Sends a NACK to the publisher for the gaps its stream still has (called by the server's tick).
    internal void FlushNacks()
    {
        if (Nacks is null)
        {
            return;
        }

        Span<ushort> due = stackalloc ushort[64];
        int count;
        lock (Nacks)
        {
            count = Nacks.CollectDue(due);
        }

        if (count == 0)
        {
            return;
        }

        due[..count].Sort((a, b) => ((short)(a - b)).CompareTo(0));
        Span<byte> nack = stackalloc byte[RtcpFeedback.CommonLength + (4 * 64)];
        var length = RtcpFeedback.WriteNack(nack, Publisher.RtcpSsrc, Ssrc, due[..count]);
        if (length > 0)
        {
            Publisher.SendRtcp(nack[..length]);
            Publisher.Server.CountNackSent();
        }
    }

    // Receive loop: one plain RTP packet of this track (RTX already unwrapped).
    internal void OnRtp(RtpPacket packet, bool retransmission)
    {
        Interlocked.Increment(ref _packets);
        Interlocked.Add(ref _bytes, packet.Buffer.Length);
        var sequence = packet.SequenceNumber;
        if (Nacks is not null)
        {
            lock (Nacks)
            {
                Nacks.Received(sequence);
            }

            Retransmissions!.Store(sequence, packet.Buffer);
        }

        if (Kind == MediaKind.Audio)
        {
            ObserveAudioLevel(packet);
            if (Muted)
            {
                Publisher.Server.CountMutedDrop();
                return;
            }
        }

        var keyframe = Kind == MediaKind.Video && IsVp8(packet.PayloadType) && Vp8Payload.IsKeyFrameStart(packet.Payload);
        var downTracks = _downTracks;
        for (var i = 0; i < downTracks.Length; i++)
        {
            downTracks[i].Forward(this, packet, keyframe, retransmission);
        }
    }

    // Receive loop: the publisher's SR maps its RTP clock to wall time; each subscriber gets it in its own numbering
    // (RFC 3550 §6.4.1) so browsers can keep audio and video of one publisher in sync.
    internal void OnSenderReport(ulong ntpTimestamp, uint rtpTimestamp)
    {
        var downTracks = _downTracks;
        for (var i = 0; i < downTracks.Length; i++)
        {
            downTracks[i].ForwardSenderReport(this, ntpTimestamp, rtpTimestamp);
        }
    }

    // RFC 4588 §4: the RTX payload starts with the original sequence number; rebuilds the original packet in place
    // by moving the header two bytes on. Returns the offset of the rebuilt packet, or -1 for padding-only probes.
    internal int UnwrapRtx(Span<byte> buffer, RtpPacket rtx)
    {
        var mapped = _rtxToPrimaryPayloadType[rtx.PayloadType];
        if (mapped == 0 || rtx.Payload.Length < 2)
        {
            return -1;
        }

        var originalSequence = BinaryPrimitives.ReadUInt16BigEndian(rtx.Payload);
        var headerLength = rtx.HeaderLength;
        buffer[..headerLength].CopyTo(buffer[2..]);
        var rebuilt = buffer[2..];
        BinaryPrimitives.WriteUInt16BigEndian(rebuilt[2..], originalSequence);
        BinaryPrimitives.WriteUInt32BigEndian(rebuilt[8..], Ssrc);
        rebuilt[1] = (byte)((rebuilt[1] & 0x80) | (mapped & 0x7F));
        return 2;
    }

    private void ObserveAudioLevel(RtpPacket packet)
    {
        var id = Publisher.ExtensionIds.AudioLevel;
        if (id == 0 || !packet.TryGetAudioLevel(id, out var voice, out var level))
        {
            return;
        }

        if (voice || level < 127)
        {
            // Exponential smoothing over ~8 packets (160 ms of 20 ms Opus frames).
            var smoothed = Volatile.Read(ref _smoothedLevel);
            Volatile.Write(ref _smoothedLevel, smoothed + ((level - smoothed) / 8));
            Interlocked.Exchange(ref _lastVoice, _time.GetTimestamp());
        }
    }
}
