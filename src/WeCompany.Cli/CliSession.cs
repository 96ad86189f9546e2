using System.Text.Json;
using WeCompany.Protocol;

namespace WeCompany.Cli;

/// <summary>What <c>wecompany login</c> remembers: where the server is and who signed in.</summary>
public sealed record CliSession(string Server, string Tcp, long UserId, string Username, string Token)
{
    /// <summary>~/.config/wecompany/session.json (or under $XDG_CONFIG_HOME).</summary>
    public static string DefaultPath
    {
        get
        {
            var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
            if (string.IsNullOrEmpty(config))
            {
                config = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            }
            return Path.Combine(config, "wecompany", "session.json");
        }
    }

    public static CliSession? Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<CliSession>(File.ReadAllText(path), WireJson.Options) : null;

    /// <summary>Writes the session readable by its owner only (the token is a credential).</summary>
    public void Save(string path)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(path, options))
        {
            JsonSerializer.Serialize(stream, this, WireJson.Options);
        }
        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies only to new files: tighten an existing one too.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
