using System.Globalization;

namespace WeCompany.Server.Hosting;

/// <summary>
/// The server's command line. Options become configuration keys, so a command-line value wins over
/// the configuration file and the environment.
/// </summary>
public static class ServerCommandLine
{
    public const string Usage = """
        Usage: WeCompanyServer [options]

        Starts the WeCompany server: REST API and WebSocket signaling over HTTP, the WeCompany TCP
        protocol, and the WebRTC SFU.

        Options:
          -p, --port PORT        TCP protocol port (default 8888)
              --http-port PORT   HTTP port for the REST API, signaling and the web client (default 8080)
              --media-port PORT  UDP port for WebRTC media (default 7880)
              --data-dir DIR     folder for the SQLite database, keys and uploaded files (default ./data)
              --config FILE      JSON configuration file (same keys as appsettings.json)
          -h, --help             print this help and exit

        Environment variables override configuration with the WECOMPANY_ prefix and __ as the section
        separator, e.g. WECOMPANY_Storage__ConnectionString.

        """;

    public sealed record Result(IReadOnlyDictionary<string, string?> Settings, string? ConfigFile, bool ShowHelp, string? Error);

    public static Result Parse(IReadOnlyList<string> args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        string? configFile = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inlineValue = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            switch (arg)
            {
                case "-h":
                case "--help":
                    return new Result(settings, configFile, true, null);
                case "-p":
                case "--port":
                case "--http-port":
                case "--media-port":
                    {
                        if (!TryValue(args, ref i, inlineValue, out var value))
                        {
                            return Fail(settings, $"option {arg} needs a value");
                        }
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
                        {
                            return Fail(settings, $"option {arg}: '{value}' is not a port number (0-65535)");
                        }
                        var key = arg switch
                        {
                            "--http-port" => "Http:Port",
                            "--media-port" => "Media:Port",
                            _ => "Tcp:Port",
                        };
                        settings[key] = port.ToString(CultureInfo.InvariantCulture);
                        break;
                    }
                case "--data-dir":
                    {
                        if (!TryValue(args, ref i, inlineValue, out var value) || value.Length == 0)
                        {
                            return Fail(settings, "option --data-dir needs a folder");
                        }
                        settings["Storage:DataDir"] = value;
                        break;
                    }
                case "--config":
                    {
                        if (!TryValue(args, ref i, inlineValue, out var value) || value.Length == 0)
                        {
                            return Fail(settings, "option --config needs a file");
                        }
                        if (!File.Exists(value))
                        {
                            return Fail(settings, $"configuration file '{value}' does not exist");
                        }
                        configFile = Path.GetFullPath(value);
                        break;
                    }
                default:
                    return Fail(settings, $"unknown option '{args[i]}'");
            }
        }
        return new Result(settings, configFile, false, null);
    }

    private static Result Fail(Dictionary<string, string?> settings, string error) => new(settings, null, false, "error: " + error);

    private static bool TryValue(IReadOnlyList<string> args, ref int i, string? inlineValue, out string value)
    {
        if (inlineValue is not null)
        {
            value = inlineValue;
            return true;
        }
        if (i + 1 < args.Count)
        {
            value = args[++i];
            return true;
        }
        value = "";
        return false;
    }
}
