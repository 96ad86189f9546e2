namespace WeCompany.Media.Tests;

internal static class Hex
{
    /// <summary>Bytes from hex written with any whitespace, as RFCs print them.</summary>
    public static byte[] Bytes(string hex) =>
        Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));
}
