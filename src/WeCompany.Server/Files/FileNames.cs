using System.Globalization;
using System.Text;

namespace WeCompany.Server.Files;

/// <summary>Reduces a client-supplied file name to a base name safe to store and to echo in headers.</summary>
public static class FileNames
{
    /// <summary>
    /// The last path segment (either slash), without control or format characters, trimmed of dots and spaces,
    /// cut to <paramref name="maxLength"/> keeping the extension; "file" when nothing is left.
    /// </summary>
    public static string Sanitize(string? name, int maxLength)
    {
        var text = name ?? "";
        var slash = text.LastIndexOfAny(['/', '\\']);
        if (slash >= 0)
        {
            text = text[(slash + 1)..];
        }
        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 16));
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse)
            {
                continue;
            }
            builder.Append(rune.ToString());
        }
        text = builder.ToString().Trim().Trim('.').Trim();
        if (text.Length == 0)
        {
            return "file";
        }
        if (text.Length <= maxLength)
        {
            return text;
        }
        var extension = Path.GetExtension(text);
        if (extension.Length > 16)
        {
            extension = "";
        }
        var stem = text[..(maxLength - extension.Length)];
        // Do not leave half a surrogate pair at the cut.
        if (stem.Length > 0 && char.IsHighSurrogate(stem[^1]))
        {
            stem = stem[..^1];
        }
        return stem + extension;
    }
}
