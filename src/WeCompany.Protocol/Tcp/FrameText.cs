using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;

namespace WeCompany.Protocol.Tcp;

/// <summary>UTF-8 helpers for frame fields, working on sequences without copying when they are contiguous.</summary>
public static class FrameText
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>True when the bytes are well-formed UTF-8.</summary>
    public static bool IsValidUtf8(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            return Utf8.IsValid(bytes.FirstSpan);
        }
        Span<byte> copy = stackalloc byte[FrameFormat.MaxUserIdBytes];
        if (bytes.Length <= copy.Length)
        {
            bytes.CopyTo(copy);
            return Utf8.IsValid(copy[..(int)bytes.Length]);
        }
        var rented = ArrayPool<byte>.Shared.Rent((int)bytes.Length);
        try
        {
            bytes.CopyTo(rented);
            return Utf8.IsValid(rented.AsSpan(0, (int)bytes.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Decodes UTF-8 (allocates the string). Invalid bytes throw <see cref="DecoderFallbackException"/>.</summary>
    public static string Decode(in ReadOnlySequence<byte> bytes) => Strict.GetString(bytes);

    /// <summary>Parses a decimal user id such as <c>42</c> without allocating; false for anything else.</summary>
    public static bool TryParseUserId(in ReadOnlySequence<byte> bytes, out long userId)
    {
        userId = 0;
        if (bytes.Length is 0 or > 19)
        {
            return false;
        }
        Span<byte> copy = stackalloc byte[19];
        var span = bytes.IsSingleSegment ? bytes.FirstSpan : Copy(bytes, copy);
        return Utf8Parser.TryParse(span, out userId, out var consumed) && consumed == span.Length && userId > 0 && span[0] != (byte)'+';
    }

    /// <summary>Writes a user id in decimal into <paramref name="destination"/>; answers the bytes written.</summary>
    public static int FormatUserId(long userId, Span<byte> destination) =>
        Utf8Formatter.TryFormat(userId, destination, out var written) ? written : throw new ArgumentException("The destination is too small.", nameof(destination));

    /// <summary>A user id as UTF-8 bytes (allocates; cache the result per connection).</summary>
    public static byte[] UserIdBytes(long userId)
    {
        Span<byte> buffer = stackalloc byte[20];
        return buffer[..FormatUserId(userId, buffer)].ToArray();
    }

    private static ReadOnlySpan<byte> Copy(in ReadOnlySequence<byte> bytes, Span<byte> destination)
    {
        bytes.CopyTo(destination);
        return destination[..(int)bytes.Length];
    }
}
