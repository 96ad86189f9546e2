using System.Buffers.Binary;

namespace WeCompany.Media.Srtp;

/// <summary>
/// SRTP and SRTCP for one direction of one transport (RFC 3711, RFC 7714): the session keys derived from one
/// master key and salt, and the per-SSRC state (rollover counter, replay windows, SRTCP index).
/// </summary>
/// <remarks>
/// Packets are transformed in place and nothing is allocated per packet: the AES, HMAC and AES-GCM
/// instances are created once here. A new SSRC costs one small object the first time it is seen.
/// Not thread-safe: the owner serialises calls (one receive loop per session, one sender or a lock).
/// Use one session to protect what is sent and another, with the peer's keys, to unprotect what arrives.
/// </remarks>
public sealed class SrtpSession : IDisposable
{
    /// <summary>
    /// SSRCs tracked per direction. 1,024: far above what one WebRTC transport carries (audio, video,
    /// simulcast layers, RTX), small enough that forged packets cannot grow memory without bound.
    /// </summary>
    public const int MaxStreams = 1024;

    private const int RtpFixedHeaderLength = 12;

    private readonly SrtpTransform _rtp;
    private readonly SrtpTransform _rtcp;
    private readonly Dictionary<uint, SrtpContext> _sendStreams = [];
    private readonly Dictionary<uint, SrtpContext> _receiveStreams = [];
    private bool _disposed;

    /// <summary>Derives the RTP and RTCP session keys (RFC 3711 §4.3) from a master key and salt.</summary>
    /// <param name="profile">The negotiated protection profile.</param>
    /// <param name="masterKey">16 bytes.</param>
    /// <param name="masterSalt">14 bytes for AES-CM, 12 for GCM.</param>
    public SrtpSession(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        if (!profile.IsSupported())
        {
            throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unsupported SRTP profile.");
        }

        if (masterKey.Length != profile.KeyLength())
        {
            throw new ArgumentException($"The master key of {profile} is {profile.KeyLength()} bytes.", nameof(masterKey));
        }

        if (masterSalt.Length != profile.SaltLength())
        {
            throw new ArgumentException($"The master salt of {profile} is {profile.SaltLength()} bytes.", nameof(masterSalt));
        }

        Profile = profile;
        if (profile == SrtpProfile.AEAD_AES_128_GCM)
        {
            _rtp = AesGcmTransform.Derive(masterKey, masterSalt, rtcp: false);
            _rtcp = AesGcmTransform.Derive(masterKey, masterSalt, rtcp: true);
        }
        else
        {
            _rtp = AesCmHmacSha1Transform.Derive(masterKey, masterSalt, rtcp: false);
            _rtcp = AesCmHmacSha1Transform.Derive(masterKey, masterSalt, rtcp: true);
        }
    }

    /// <summary>Builds a session straight from session keys, as the RFC 7714 test vectors give them.</summary>
    internal SrtpSession(SrtpProfile profile, SrtpTransform rtp, SrtpTransform rtcp)
    {
        Profile = profile;
        _rtp = rtp;
        _rtcp = rtcp;
    }

    /// <summary>The protection profile of this session.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>Bytes <see cref="ProtectRtp"/> adds after the packet (the tag).</summary>
    public int RtpOverhead => _rtp.TagLength;

    /// <summary>Bytes <see cref="ProtectRtcp"/> adds after the packet (E||index and the tag).</summary>
    public int RtcpOverhead => _rtcp.TagLength + 4;

    /// <summary>
    /// Encrypts and authenticates the RTP packet in packet[..length) in place; the tag is written after it,
    /// so the buffer needs <see cref="RtpOverhead"/> spare bytes.
    /// </summary>
    public SrtpResult ProtectRtp(Span<byte> packet, int length, out int protectedLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        protectedLength = 0;
        if (!TryReadRtpHeader(packet, length, out var headerLength, out var ssrc))
        {
            return SrtpResult.Malformed;
        }

        if (packet.Length < length + _rtp.TagLength)
        {
            return SrtpResult.BufferTooSmall;
        }

        if (!TryGetStream(_sendStreams, ssrc, out var context))
        {
            return SrtpResult.TooManyStreams;
        }

        // The sender uses the same estimate as a receiver, so a retransmission of an older sequence number
        // keeps the ROC it was first sent with, and a wrap from 65535 to 0 advances it (RFC 3711 §3.3.1).
        var index = context.EstimateIndex(BinaryPrimitives.ReadUInt16BigEndian(packet[2..]));
        _rtp.ProtectRtp(packet, headerLength, length, ssrc, index);
        context.AcceptRtp(index);
        protectedLength = length + _rtp.TagLength;
        return SrtpResult.Ok;
    }

    /// <summary>
    /// Verifies the SRTP packet in packet[..length), checks replay, and decrypts it in place; the plain RTP
    /// packet is packet[..plainLength). On any status but <see cref="SrtpResult.Ok"/> the state is unchanged
    /// and the packet must be dropped (with GCM a failed packet's payload bytes are zeroed by .NET, and the
    /// failure costs one caught AuthenticationTagMismatchException: .NET reports a bad tag no other way).
    /// </summary>
    public SrtpResult UnprotectRtp(Span<byte> packet, int length, out int plainLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        plainLength = 0;
        var end = length - _rtp.TagLength;
        if (end < RtpFixedHeaderLength || !TryReadRtpHeader(packet, end, out var headerLength, out var ssrc))
        {
            return SrtpResult.Malformed;
        }

        _receiveStreams.TryGetValue(ssrc, out var context);
        if (context is null && _receiveStreams.Count >= MaxStreams)
        {
            return SrtpResult.TooManyStreams;
        }

        var sequence = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        var index = context?.EstimateIndex(sequence) ?? sequence;
        if (context is not null)
        {
            var replay = context.CheckRtpReplay(index);
            if (replay != SrtpResult.Ok)
            {
                return replay;
            }
        }

        if (!_rtp.UnprotectRtp(packet, headerLength, end, ssrc, index))
        {
            return SrtpResult.AuthFailed;
        }

        // State is created and advanced only for authenticated packets (RFC 3711 §3.3: ROC and replay
        // updates follow a successful authentication).
        if (context is null)
        {
            context = new SrtpContext(ssrc);
            _receiveStreams.Add(ssrc, context);
        }

        context.AcceptRtp(index);
        plainLength = end;
        return SrtpResult.Ok;
    }

    /// <summary>
    /// Encrypts and authenticates the (compound) RTCP packet in packet[..length) in place, appending E||index
    /// and the tag; the buffer needs <see cref="RtcpOverhead"/> spare bytes.
    /// </summary>
    public SrtpResult ProtectRtcp(Span<byte> packet, int length, out int protectedLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        protectedLength = 0;
        if (!TryReadRtcpHeader(packet, length, out var ssrc))
        {
            return SrtpResult.Malformed;
        }

        if (packet.Length < length + RtcpOverhead)
        {
            return SrtpResult.BufferTooSmall;
        }

        if (!TryGetStream(_sendStreams, ssrc, out var context))
        {
            return SrtpResult.TooManyStreams;
        }

        protectedLength = _rtcp.ProtectRtcp(packet, length, ssrc, context.TakeRtcpIndex());
        return SrtpResult.Ok;
    }

    /// <summary>
    /// Verifies the SRTCP packet in packet[..length), checks replay on its SRTCP index, and decrypts it in
    /// place; the plain compound RTCP packet is packet[..plainLength).
    /// </summary>
    public SrtpResult UnprotectRtcp(Span<byte> packet, int length, out int plainLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        plainLength = 0;
        var plainEnd = length - RtcpOverhead;
        if (plainEnd < SrtpTransform.RtcpHeaderLength || !TryReadRtcpHeader(packet, plainEnd, out var ssrc))
        {
            return SrtpResult.Malformed;
        }

        _receiveStreams.TryGetValue(ssrc, out var context);
        if (context is null && _receiveStreams.Count >= MaxStreams)
        {
            return SrtpResult.TooManyStreams;
        }

        var indexWord = _rtcp.ReadRtcpIndexWord(packet, length);
        var index = indexWord & ~SrtpTransform.EncryptedFlag;
        if (context is not null)
        {
            var replay = context.CheckRtcpReplay(index);
            if (replay != SrtpResult.Ok)
            {
                return replay;
            }
        }

        if (!_rtcp.UnprotectRtcp(packet, length, ssrc, indexWord))
        {
            return SrtpResult.AuthFailed;
        }

        if (context is null)
        {
            context = new SrtpContext(ssrc);
            _receiveStreams.Add(ssrc, context);
        }

        context.AcceptRtcp(index);
        plainLength = plainEnd;
        return SrtpResult.Ok;
    }

    /// <summary>The rollover counter tracked for a received SSRC, or null if none has been authenticated.</summary>
    public uint? GetReceiveRolloverCounter(uint ssrc) =>
        _receiveStreams.TryGetValue(ssrc, out var context) ? context.RolloverCounter : null;

    /// <summary>Releases the cached AES, HMAC and AES-GCM instances.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _rtp.Dispose();
        _rtcp.Dispose();
    }

    private static bool TryGetStream(Dictionary<uint, SrtpContext> streams, uint ssrc, out SrtpContext context)
    {
        if (streams.TryGetValue(ssrc, out var found))
        {
            context = found;
            return true;
        }

        if (streams.Count >= MaxStreams)
        {
            context = null!;
            return false;
        }

        context = new SrtpContext(ssrc);
        streams.Add(ssrc, context);
        return true;
    }

    // RFC 3550 §5.1: fixed 12-byte header, then CC CSRCs, then an optional extension (§5.3.1) of
    // 4 + 4 * length bytes. SRTP leaves all of it in the clear (RFC 3711 §3.1).
    private static bool TryReadRtpHeader(ReadOnlySpan<byte> packet, int length, out int headerLength, out uint ssrc)
    {
        headerLength = 0;
        ssrc = 0;
        if (length < RtpFixedHeaderLength || length > packet.Length || packet[0] >> 6 != 2)
        {
            return false;
        }

        var header = RtpFixedHeaderLength + (4 * (packet[0] & 0x0F));
        if ((packet[0] & 0x10) != 0)
        {
            if (header + 4 > length)
            {
                return false;
            }

            header += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(header + 2)..]));
        }

        if (header > length)
        {
            return false;
        }

        headerLength = header;
        ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        return true;
    }

    // RFC 3550 §6.4.1: every RTCP packet starts with V/P/RC, PT, length and the sender's SSRC.
    private static bool TryReadRtcpHeader(ReadOnlySpan<byte> packet, int length, out uint ssrc)
    {
        ssrc = 0;
        if (length < SrtpTransform.RtcpHeaderLength || length > packet.Length || packet[0] >> 6 != 2)
        {
            return false;
        }

        ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        return true;
    }
}
