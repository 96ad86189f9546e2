using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace WeCompany.Protocol.Tcp;

/// <summary>The data of a FILE frame: <c>[u16 nameLen][name UTF-8][bytes]</c> (docs/protocol/tcp.md).</summary>
public static class FilePayload
{
    /// <summary>The longest file name accepted, in UTF-8 bytes (a common file system limit).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Builds the data of a FILE frame.</summary>
    public static byte[] Build(string name, ReadOnlySpan<byte> content)
    {
        var nameBytes = Encoding.UTF8.GetByteCount(name);
        if (nameBytes is 0 or > MaxNameBytes)
        {
            throw new ArgumentException("A file name is 1 to 255 UTF-8 bytes.", nameof(name));
        }
        var result = new byte[2 + nameBytes + content.Length];
        BinaryPrimitives.WriteUInt16BigEndian(result, (ushort)nameBytes);
        Encoding.UTF8.GetBytes(name, result.AsSpan(2));
        content.CopyTo(result.AsSpan(2 + nameBytes));
        return result;
    }

    /// <summary>Checks the layout without copying: a name of 1–255 valid UTF-8 bytes inside the data.</summary>
    public static bool IsValid(in ReadOnlySequence<byte> data)
    {
        if (data.Length < 2)
        {
            return false;
        }
        Span<byte> prefix = stackalloc byte[2];
        data.Slice(0, 2).CopyTo(prefix);
        var nameLength = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        return nameLength is > 0 and <= MaxNameBytes && data.Length >= 2 + nameLength && FrameText.IsValidUtf8(data.Slice(2, nameLength));
    }

    /// <summary>Splits FILE data into its name and content; false when the layout is wrong.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out string name, out ReadOnlyMemory<byte> content, ReadOnlyMemory<byte> owner)
    {
        name = "";
        content = default;
        if (data.Length < 2)
        {
            return false;
        }
        var nameLength = BinaryPrimitives.ReadUInt16BigEndian(data);
        if (nameLength is 0 or > MaxNameBytes || data.Length < 2 + nameLength || !Utf8.IsValid(data.Slice(2, nameLength)))
        {
            return false;
        }
        name = Encoding.UTF8.GetString(data.Slice(2, nameLength));
        content = owner[(2 + nameLength)..];
        return true;
    }
}
