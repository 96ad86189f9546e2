namespace WeCompany.Media.Srtp;

/// <summary>
/// One profile's packet transform with one set of session keys (one for RTP, another for RTCP).
/// The session has already parsed the header, chosen the index and checked replay; the transform only
/// encrypts and authenticates. Not thread-safe; allocation-free per packet.
/// </summary>
internal abstract class SrtpTransform : IDisposable
{
    /// <summary>RFC 3711 §3.4: the E flag, the top bit of the 32-bit word that carries the SRTCP index.</summary>
    public const uint EncryptedFlag = 0x8000_0000;

    /// <summary>RFC 3711 §3.4: the fixed RTCP header (V/P/RC, PT, length, SSRC) stays in the clear.</summary>
    public const int RtcpHeaderLength = 8;

    public abstract int TagLength { get; }

    /// <summary>Encrypts packet[headerLength..length) and writes the tag at packet[length..].</summary>
    public abstract void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index);

    /// <summary>
    /// Verifies the tag at packet[end..end + TagLength) and, only if it verifies, decrypts
    /// packet[headerLength..end).
    /// </summary>
    public abstract bool UnprotectRtp(Span<byte> packet, int headerLength, int end, uint ssrc, ulong index);

    /// <summary>Encrypts the RTCP body, appends E||index and the tag; returns the new length.</summary>
    public abstract int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index);

    /// <summary>Reads the E||index word of an SRTCP packet of <paramref name="length"/> bytes.</summary>
    public abstract uint ReadRtcpIndexWord(ReadOnlySpan<byte> packet, int length);

    /// <summary>Verifies and, when E is set, decrypts; the plain RTCP is packet[..length - TagLength - 4).</summary>
    public abstract bool UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint indexWord);

    public abstract void Dispose();
}
