using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace WeCompany.Media.Srtp;

/// <summary>
/// AES in counter mode as RFC 3711 §4.1.1 defines it, built on a cached ECB encryptor: the counter blocks
/// of a whole packet are encrypted in one call, then XORed into the data. Not thread-safe; allocation-free
/// after construction.
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    private const int BlockSize = 16;

    // 2 KiB of counter blocks covers any packet under a 1,500-byte MTU in one ECB call; longer data loops.
    private const int ChunkBlocks = 128;

    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly byte[] _counters = new byte[ChunkBlocks * BlockSize];
    private readonly byte[] _keystream = new byte[ChunkBlocks * BlockSize];

    public AesCounterMode(ReadOnlySpan<byte> key)
    {
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
    }

    /// <summary>
    /// XORs the keystream that starts at <paramref name="iv"/> (16 bytes, low 16 bits zero) into
    /// <paramref name="data"/>. RFC 3711 §4.1.1: keystream = E(k, IV) || E(k, IV + 1) || ...
    /// </summary>
    public void Apply(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        var blockIndex = 0;
        while (!data.IsEmpty)
        {
            var chunk = Math.Min(data.Length, _counters.Length);
            var blocks = (chunk + BlockSize - 1) / BlockSize;
            for (var b = 0; b < blocks; b++)
            {
                var counter = _counters.AsSpan(b * BlockSize, BlockSize);
                iv.CopyTo(counter);
                // RFC 3711 §4.1.1: the IV's low 16 bits are zero and a packet has fewer than 2^16 blocks,
                // so adding the block index only touches the last two octets.
                var low = (ushort)((counter[14] << 8 | counter[15]) + blockIndex + b);
                counter[14] = (byte)(low >> 8);
                counter[15] = (byte)low;
            }

            _ecb.TransformBlock(_counters, 0, blocks * BlockSize, _keystream, 0);
            Xor(data[..chunk], _keystream.AsSpan(0, chunk));
            data = data[chunk..];
            blockIndex += blocks;
        }
    }

    private static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && data.Length >= Vector<byte>.Count)
        {
            var dataVectors = MemoryMarshal.Cast<byte, Vector<byte>>(data);
            var keyVectors = MemoryMarshal.Cast<byte, Vector<byte>>(keystream);
            for (var v = 0; v < dataVectors.Length; v++)
            {
                dataVectors[v] ^= keyVectors[v];
            }

            i = dataVectors.Length * Vector<byte>.Count;
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= keystream[i];
        }
    }

    public void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
    }
}
