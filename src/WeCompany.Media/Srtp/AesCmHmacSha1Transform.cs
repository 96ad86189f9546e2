using System.Buffers.Binary;
using System.Security.Cryptography;

namespace WeCompany.Media.Srtp;

/// <summary>AES_CM_128_HMAC_SHA1_80: AES-128 counter mode (RFC 3711 §4.1.1), HMAC-SHA1 truncated to 80 bits (§4.2.1).</summary>
internal sealed class AesCmHmacSha1Transform : SrtpTransform
{
    public const int SaltLength = 14;
    public const int AuthKeyLength = 20;
    private const int Tag = 10;

    private readonly AesCounterMode _cipher;
    private readonly IncrementalHash _hmac;
    private readonly byte[] _salt;

    public AesCmHmacSha1Transform(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> sessionSalt, ReadOnlySpan<byte> authKey)
    {
        if (sessionSalt.Length != SaltLength)
        {
            throw new ArgumentException("AES-CM session salts are 14 bytes.", nameof(sessionSalt));
        }

        _cipher = new AesCounterMode(sessionKey);
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, authKey);
        _salt = sessionSalt.ToArray();
    }

    /// <summary>Derives the session keys of one direction (RTP labels 0/1/2 or RTCP labels 3/4/5, RFC 3711 §4.3).</summary>
    public static AesCmHmacSha1Transform Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool rtcp)
    {
        Span<byte> key = stackalloc byte[16];
        Span<byte> salt = stackalloc byte[SaltLength];
        Span<byte> auth = stackalloc byte[AuthKeyLength];
        SrtpKeyDerivation.Derive(masterKey, masterSalt, rtcp ? SrtpKeyDerivation.RtcpEncryptionLabel : SrtpKeyDerivation.RtpEncryptionLabel, key);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, rtcp ? SrtpKeyDerivation.RtcpSaltLabel : SrtpKeyDerivation.RtpSaltLabel, salt);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, rtcp ? SrtpKeyDerivation.RtcpAuthenticationLabel : SrtpKeyDerivation.RtpAuthenticationLabel, auth);
        var transform = new AesCmHmacSha1Transform(key, salt, auth);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(auth);
        return transform;
    }

    public override int TagLength => Tag;

    public override void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index)
    {
        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, ssrc, index);
        _cipher.Apply(iv, packet[headerLength..length]);
        // RFC 3711 §4.2: the tag covers the authenticated portion followed by the 32-bit ROC.
        ComputeTag(packet[..length], (uint)(index >> 16), packet.Slice(length, Tag));
    }

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, int end, uint ssrc, ulong index)
    {
        Span<byte> expected = stackalloc byte[Tag];
        ComputeTag(packet[..end], (uint)(index >> 16), expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, packet.Slice(end, Tag)))
        {
            return false;
        }

        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, ssrc, index);
        _cipher.Apply(iv, packet[headerLength..end]);
        return true;
    }

    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index)
    {
        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, ssrc, index);
        _cipher.Apply(iv, packet[RtcpHeaderLength..length]);
        // RFC 3711 §3.4: E||SRTCP index follows the encrypted portion and is authenticated with it.
        BinaryPrimitives.WriteUInt32BigEndian(packet[length..], EncryptedFlag | index);
        _hmac.AppendData(packet[..(length + 4)]);
        Span<byte> full = stackalloc byte[20];
        _hmac.TryGetHashAndReset(full, out _);
        full[..Tag].CopyTo(packet[(length + 4)..]);
        return length + 4 + Tag;
    }

    public override uint ReadRtcpIndexWord(ReadOnlySpan<byte> packet, int length) =>
        BinaryPrimitives.ReadUInt32BigEndian(packet[(length - Tag - 4)..]);

    public override bool UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint indexWord)
    {
        var authenticated = length - Tag;
        _hmac.AppendData(packet[..authenticated]);
        Span<byte> full = stackalloc byte[20];
        _hmac.TryGetHashAndReset(full, out _);
        if (!CryptographicOperations.FixedTimeEquals(full[..Tag], packet.Slice(authenticated, Tag)))
        {
            return false;
        }

        if ((indexWord & EncryptedFlag) != 0)
        {
            Span<byte> iv = stackalloc byte[16];
            BuildIv(iv, ssrc, indexWord & ~EncryptedFlag);
            _cipher.Apply(iv, packet[RtcpHeaderLength..(authenticated - 4)]);
        }

        return true;
    }

    // RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16).
    private void BuildIv(Span<byte> iv, uint ssrc, ulong index)
    {
        _salt.CopyTo(iv);
        iv[14] = 0;
        iv[15] = 0;
        iv[4] ^= (byte)(ssrc >> 24);
        iv[5] ^= (byte)(ssrc >> 16);
        iv[6] ^= (byte)(ssrc >> 8);
        iv[7] ^= (byte)ssrc;
        for (var i = 0; i < 6; i++)
        {
            iv[8 + i] ^= (byte)(index >> (8 * (5 - i)));
        }
    }

    private void ComputeTag(ReadOnlySpan<byte> authenticated, uint rolloverCounter, Span<byte> tag)
    {
        Span<byte> roc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(roc, rolloverCounter);
        _hmac.AppendData(authenticated);
        _hmac.AppendData(roc);
        Span<byte> full = stackalloc byte[20];
        _hmac.TryGetHashAndReset(full, out _);
        full[..Tag].CopyTo(tag);
    }

    public override void Dispose()
    {
        _cipher.Dispose();
        _hmac.Dispose();
        CryptographicOperations.ZeroMemory(_salt);
    }
}
