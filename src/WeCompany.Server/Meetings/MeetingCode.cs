using System.Security.Cryptography;

namespace WeCompany.Server.Meetings;

/// <summary>
/// Meeting codes like <c>ABC-DEF-GHI</c>: nine letters from an alphabet without I, L, O (read as 1 and 0),
/// 23⁹ ≈ 1.8·10¹² codes, drawn with a cryptographic generator so codes cannot be guessed from each other.
/// </summary>
public static class MeetingCode
{
    public const string Alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ";

    public static string New() => string.Create(11, 0, static (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = i is 3 or 7 ? '-' : Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }
    });

    /// <summary>Normalizes user input (any case, dashes optional) to the stored form; false when it cannot be a code.</summary>
    public static bool TryNormalize(string? text, out string code)
    {
        code = "";
        if (string.IsNullOrEmpty(text) || text.Length > 20)
        {
            return false;
        }
        Span<char> formatted = stackalloc char[11];
        var count = 0;
        foreach (var c in text)
        {
            if (c == '-')
            {
                continue;
            }
            var upper = char.ToUpperInvariant(c);
            if (count == 9 || !Alphabet.Contains(upper, StringComparison.Ordinal))
            {
                return false;
            }
            formatted[count + (count / 3)] = upper;
            count++;
        }
        if (count != 9)
        {
            return false;
        }
        formatted[3] = '-';
        formatted[7] = '-';
        code = new string(formatted);
        return true;
    }
}
