using System.Buffers.Binary;
using System.Security.Cryptography;

namespace WeCompany.Media.Srtp;

/// <summary>AEAD_AES_128_GCM for SRTP and SRTCP (RFC 7714): 12-byte IV, 16-byte tag, header as associated data.</summary>
internal sealed class AesGcmTransform : SrtpTransform
{
    public const int SaltLength = 12;
    private const int Tag = 16;
    private const int NonceLength = 12;

    private readonly AesGcm _aead;
    private readonly byte[] _salt;

    public AesGcmTransform(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> sessionSalt)
    {
        if (sessionSalt.Length != SaltLength)
        {
            throw new ArgumentException("GCM session salts are 12 bytes.", nameof(sessionSalt));
        }

        _aead = new AesGcm(sessionKey, Tag);
        _salt = sessionSalt.ToArray();
    }

    /// <summary>
    /// RFC 7714 §11: GCM keeps the RFC 3711 KDF; the encryption key comes from label 0 (3 for RTCP), a 12-byte
    /// salt from label 2 (5), the 12-byte master salt being zero-padded for the KDF. No authentication key.
    /// </summary>
    public static AesGcmTransform Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool rtcp)
    {
        Span<byte> key = stackalloc byte[16];
        Span<byte> salt = stackalloc byte[SaltLength];
        SrtpKeyDerivation.Derive(masterKey, masterSalt, rtcp ? SrtpKeyDerivation.RtcpEncryptionLabel : SrtpKeyDerivation.RtpEncryptionLabel, key);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, rtcp ? SrtpKeyDerivation.RtcpSaltLabel : SrtpKeyDerivation.RtpSaltLabel, salt);
        var transform = new AesGcmTransform(key, salt);
        CryptographicOperations.ZeroMemory(key);
        return transform;
    }

    public override int TagLength => Tag;

    public override void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        BuildRtpNonce(nonce, ssrc, index);
        var payload = packet[headerLength..length];
        // RFC 7714 §8.1: AAD = the RTP header (with CSRCs and extension); the payload is encrypted in place.
        _aead.Encrypt(nonce, payload, payload, packet.Slice(length, Tag), packet[..headerLength]);
    }

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, int end, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        BuildRtpNonce(nonce, ssrc, index);
        var payload = packet[headerLength..end];
        return TryDecrypt(nonce, payload, packet.Slice(end, Tag), packet[..headerLength]);
    }

    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index)
    {
        var indexWord = EncryptedFlag | index;
        Span<byte> nonce = stackalloc byte[NonceLength];
        BuildRtcpNonce(nonce, ssrc, index);
        // RFC 7714 §9.1: AAD = the 8-byte RTCP header followed by E||SRTCP index.
        Span<byte> aad = stackalloc byte[RtcpHeaderLength + 4];
        packet[..RtcpHeaderLength].CopyTo(aad);
        BinaryPrimitives.WriteUInt32BigEndian(aad[RtcpHeaderLength..], indexWord);
        var body = packet[RtcpHeaderLength..length];
        _aead.Encrypt(nonce, body, body, packet.Slice(length, Tag), aad);
        // RFC 7714 §9: the tag sits between the ciphertext and the E||index word.
        BinaryPrimitives.WriteUInt32BigEndian(packet[(length + Tag)..], indexWord);
        return length + Tag + 4;
    }

    public override uint ReadRtcpIndexWord(ReadOnlySpan<byte> packet, int length) =>
        BinaryPrimitives.ReadUInt32BigEndian(packet[(length - 4)..]);

    public override bool UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint indexWord)
    {
        var bodyEnd = length - Tag - 4;
        Span<byte> nonce = stackalloc byte[NonceLength];
        BuildRtcpNonce(nonce, ssrc, indexWord & ~EncryptedFlag);
        Span<byte> tag = stackalloc byte[Tag];
        packet.Slice(bodyEnd, Tag).CopyTo(tag);

        if ((indexWord & EncryptedFlag) != 0)
        {
            Span<byte> aad = stackalloc byte[RtcpHeaderLength + 4];
            packet[..RtcpHeaderLength].CopyTo(aad);
            BinaryPrimitives.WriteUInt32BigEndian(aad[RtcpHeaderLength..], indexWord);
            return TryDecrypt(nonce, packet[RtcpHeaderLength..bodyEnd], tag, aad);
        }

        // RFC 7714 §9.2: unencrypted SRTCP authenticates the whole packet followed by E||index. Moving the
        // index word over the tag makes that one contiguous span without copying the packet.
        BinaryPrimitives.WriteUInt32BigEndian(packet[bodyEnd..], indexWord);
        return TryDecrypt(nonce, [], tag, packet[..(bodyEnd + 4)]);
    }

    private bool TryDecrypt(ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        try
        {
            _aead.Decrypt(nonce, data, tag, data, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // .NET reports a forged tag only by this exception; it becomes a status here.
            return false;
        }
    }

    // RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt.
    private void BuildRtpNonce(Span<byte> nonce, uint ssrc, ulong index)
    {
        nonce[0] = 0;
        nonce[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[6..], (uint)(index >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(nonce[10..], (ushort)index);
        XorSalt(nonce);
    }

    // RFC 7714 §9.1: IV = (0x0000 || SSRC || 0x0000 || 0 || SRTCP index) XOR salt.
    private void BuildRtcpNonce(Span<byte> nonce, uint ssrc, uint index)
    {
        nonce[0] = 0;
        nonce[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        nonce[6] = 0;
        nonce[7] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], index & 0x7FFF_FFFF);
        XorSalt(nonce);
    }

    private void XorSalt(Span<byte> nonce)
    {
        for (var i = 0; i < NonceLength; i++)
        {
            nonce[i] ^= _salt[i];
        }
    }

    public override void Dispose()
    {
        _aead.Dispose();
        CryptographicOperations.ZeroMemory(_salt);
    }
}
