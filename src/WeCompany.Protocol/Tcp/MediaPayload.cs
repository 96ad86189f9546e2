using System.Buffers;

namespace WeCompany.Protocol.Tcp;

/// <summary>The data of a MEDIA_DATA frame: <c>[u8 callIdLen][callId][media bytes]</c> (docs/protocol/tcp.md).</summary>
public static class MediaPayload
{
    /// <summary>Splits MEDIA_DATA data without copying; false when the call id runs past the data or is empty.</summary>
    public static bool TrySplit(in ReadOnlySequence<byte> data, out ReadOnlySequence<byte> callId, out ReadOnlySequence<byte> media)
    {
        callId = default;
        media = default;
        if (data.IsEmpty)
        {
            return false;
        }
        int callIdLength = data.FirstSpan[0];
        if (callIdLength == 0 || data.Length < 1 + callIdLength)
        {
            return false;
        }
        callId = data.Slice(1, callIdLength);
        media = data.Slice(1 + callIdLength);
        return true;
    }

    /// <summary>Writes the <c>[u8 callIdLen][callId]</c> prefix; answers its size.</summary>
    public static int WritePrefix(Span<byte> destination, ReadOnlySpan<byte> callId)
    {
        if (callId.Length is 0 or > FrameFormat.MaxCallIdBytes)
        {
            throw new ArgumentException("A call id is 1 to 255 bytes.", nameof(callId));
        }
        destination[0] = (byte)callId.Length;
        callId.CopyTo(destination[1..]);
        return 1 + callId.Length;
    }

    /// <summary>Builds MEDIA_DATA data (allocates; for clients and tests).</summary>
    public static byte[] Build(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> media)
    {
        var result = new byte[1 + callId.Length + media.Length];
        var prefix = WritePrefix(result, callId);
        media.CopyTo(result.AsSpan(prefix));
        return result;
    }
}
