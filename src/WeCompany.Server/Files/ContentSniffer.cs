using System.Text;

namespace WeCompany.Server.Files;

/// <summary>A recognised format: its media type and the file_type it belongs to.</summary>
public readonly record struct SniffedFormat(string ContentType, string FileType);

/// <summary>
/// Recognises a file's format from its first bytes (the magic numbers each format's specification puts at
/// the start), never from the name alone. The name's extension only refines a container: a ZIP named .docx
/// is served as Word, and text is accepted only under a text extension.
/// </summary>
public static class ContentSniffer
{
    /// <summary>Bytes read before deciding: every signature below sits within the first 12; text needs more to judge.</summary>
    public const int PrefixBytes = 4096;

    private static readonly Dictionary<string, string> ZipDocuments = new(StringComparer.OrdinalIgnoreCase)
    {
        [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [".pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        [".odt"] = "application/vnd.oasis.opendocument.text",
        [".ods"] = "application/vnd.oasis.opendocument.spreadsheet",
        [".odp"] = "application/vnd.oasis.opendocument.presentation",
    };

    private static readonly Dictionary<string, string> TextDocuments = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
        [".csv"] = "text/csv; charset=utf-8",
    };

    private static ReadOnlySpan<byte> Png => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static ReadOnlySpan<byte> Jpeg => [0xFF, 0xD8, 0xFF];

    private static ReadOnlySpan<byte> Ebml => [0x1A, 0x45, 0xDF, 0xA3];

    private static ReadOnlySpan<byte> Gzip => [0x1F, 0x8B];

    private static ReadOnlySpan<byte> SevenZip => [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C];

    /// <summary>The format of a file starting with <paramref name="prefix"/> (all of it when shorter than <see cref="PrefixBytes"/>), or null.</summary>
    public static SniffedFormat? Sniff(ReadOnlySpan<byte> prefix, string fileName)
    {
        var extension = Path.GetExtension(fileName);
        if (prefix.StartsWith("%PDF-"u8))
        {
            return new("application/pdf", "document");
        }
        if (prefix.StartsWith(Png))
        {
            return new("image/png", "image");
        }
        if (prefix.StartsWith(Jpeg))
        {
            return new("image/jpeg", "image");
        }
        if (prefix.StartsWith("GIF87a"u8) || prefix.StartsWith("GIF89a"u8))
        {
            return new("image/gif", "image");
        }
        if (prefix.Length >= 12 && prefix.StartsWith("RIFF"u8))
        {
            // RIFF: the form type sits at offset 8 (WebP container spec, WAVE in Microsoft's RIFF spec).
            if (prefix[8..12].SequenceEqual("WEBP"u8))
            {
                return new("image/webp", "image");
            }
            if (prefix[8..12].SequenceEqual("WAVE"u8))
            {
                return new("audio/wav", "audio");
            }
        }
        if (prefix.StartsWith("OggS"u8))
        {
            return new("audio/ogg", "audio");
        }
        if (prefix.StartsWith("fLaC"u8))
        {
            return new("audio/flac", "audio");
        }
        // MP3: an ID3v2 tag, or an MPEG audio frame sync (11 set bits) with layer III.
        if (prefix.StartsWith("ID3"u8) || (prefix.Length >= 2 && prefix[0] == 0xFF && (prefix[1] & 0xE6) == 0xE2))
        {
            return new("audio/mpeg", "audio");
        }
        // ISO base media (MP4, MOV): the first box is "ftyp" at offset 4 (ISO/IEC 14496-12 §4.3).
        if (prefix.Length >= 8 && prefix[4..8].SequenceEqual("ftyp"u8))
        {
            return new("video/mp4", "video");
        }
        // Matroska and WebM start with the EBML header id 1A 45 DF A3.
        if (prefix.StartsWith(Ebml))
        {
            return new("video/webm", "video");
        }
        if (prefix.StartsWith("PK\x03\x04"u8))
        {
            return ZipDocuments.TryGetValue(extension, out var office) ? new(office, "document") : new("application/zip", "archive");
        }
        if (prefix.StartsWith(Gzip))
        {
            return new("application/gzip", "archive");
        }
        if (prefix.StartsWith(SevenZip))
        {
            return new("application/x-7z-compressed", "archive");
        }
        if (TextDocuments.TryGetValue(extension, out var text) && LooksLikeText(prefix))
        {
            return new(text, "document");
        }
        return null;
    }

    // Text: valid UTF-8 (a sequence cut at the end of the prefix is fine) with no NUL or other C0 control but tab, CR, LF, FF.
    private static bool LooksLikeText(ReadOnlySpan<byte> prefix)
    {
        if (prefix.IsEmpty)
        {
            return false;
        }
        foreach (var b in prefix)
        {
            if (b < 0x20 && b is not (0x09 or 0x0A or 0x0D or 0x0C))
            {
                return false;
            }
        }
        var decoder = new UTF8Encoding(false, true).GetDecoder();
        Span<char> chars = stackalloc char[512];
        try
        {
            for (var offset = 0; offset < prefix.Length; offset += 256)
            {
                var chunk = prefix[offset..Math.Min(prefix.Length, offset + 256)];
                decoder.GetChars(chunk, chars, flush: false);
            }
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        return true;
    }
}
