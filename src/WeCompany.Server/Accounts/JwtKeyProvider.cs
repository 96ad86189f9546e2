using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Accounts;

/// <summary>
/// The HS256 signing key: from configuration (Auth:JwtKey), else generated once into
/// <c>{data}/jwt.key</c> with mode 0600 so restarts keep tokens valid. Never a literal in the code.
/// </summary>
public sealed class JwtKeyProvider
{
    private const int KeyBytes = 64;

    public JwtKeyProvider(IOptions<AuthOptions> auth, IOptions<StorageOptions> storage)
    {
        Key = Load(auth.Value.JwtKey, storage.Value.DataDir);
    }

    public byte[] Key { get; }

    private static byte[] Load(string? configured, string dataDir)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var bytes = TryBase64(configured) ?? Encoding.UTF8.GetBytes(configured);
            if (bytes.Length < 32)
            {
                throw new InvalidOperationException("Auth:JwtKey must be at least 32 bytes (HS256 needs a 256-bit key).");
            }
            return bytes;
        }
        var folder = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "jwt.key");
        if (File.Exists(path))
        {
            var existing = Convert.FromBase64String(File.ReadAllText(path).Trim());
            if (existing.Length >= 32)
            {
                return existing;
            }
        }
        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(key));
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }

    private static byte[]? TryBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) && written >= 32 ? buffer[..written] : null;
    }
}
