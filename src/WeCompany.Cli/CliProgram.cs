using System.Globalization;

namespace WeCompany.Cli;

/// <summary>The <c>wecompany</c> command-line client.</summary>
public static class CliProgram
{
    public const string Usage = """
        Usage: wecompany COMMAND [options]

        Commands:
          login USERNAME [PASSWORD]   sign in (password from the argument, $WECOMPANY_PASSWORD or stdin);
                                      remembers the token in ~/.config/wecompany/session.json (mode 0600)
          send USER_ID TEXT           send a text message over the TCP protocol
          listen [--answer]           print what arrives until Ctrl-C; --answer accepts calls and sends a tone back
          call USER_ID [--video] [--seconds N]
                                      call a user, stream a 440 Hz test tone as media for N seconds (default 5)
                                      and report what comes back
          help                        print this help

        Options:
          --server URL                REST address (default http://127.0.0.1:8080, or the one used at login)
          --tcp HOST:PORT             TCP protocol address (default 127.0.0.1:8888, or the one used at login)
          --tls                       use TLS on the TCP connection (the server's Tcp:TlsPort)
          --insecure                  accept a self-signed TLS certificate
          --session PATH              session file (default ~/.config/wecompany/session.json)

        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            stdout.Write(Usage);
            return 0;
        }
        CliArguments parsed;
        try
        {
            parsed = CliArguments.Parse(args);
        }
        catch (FormatException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            stderr.Write(Usage);
            return 2;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var commands = new TcpCommands(parsed, stdout, stderr);
        try
        {
            return parsed.Command switch
            {
                "login" when parsed.Positional.Count >= 1 => await commands.LoginAsync(cancel.Token),
                "send" when parsed.Positional.Count >= 2 => await commands.SendAsync(ParseUser(parsed.Positional[0]), string.Join(' ', parsed.Positional.Skip(1)), cancel.Token),
                "listen" => await commands.ListenAsync(cancel.Token),
                "call" when parsed.Positional.Count >= 1 => await commands.CallAsync(ParseUser(parsed.Positional[0]), cancel.Token),
                "login" or "send" or "call" => Fail(stderr, $"'{parsed.Command}' needs more arguments"),
                _ => Fail(stderr, $"unknown command '{parsed.Command}'"),
            };
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException or Client.Tcp.TcpProtocolException or InvalidOperationException or FormatException or TimeoutException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }

        int Fail(TextWriter writer, string message)
        {
            writer.WriteLine($"error: {message}");
            writer.Write(Usage);
            return 2;
        }
    }

    private static long ParseUser(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new FormatException($"'{text}' is not a user id (a positive number; see `login`'s output for yours).");
}

/// <summary>The command line, split into command, positional arguments and options.</summary>
public sealed record CliArguments(string Command, IReadOnlyList<string> Positional, IReadOnlyDictionary<string, string?> Options)
{
    private static readonly HashSet<string> Flags = ["--tls", "--insecure", "--answer", "--video"];

    public static CliArguments Parse(string[] args)
    {
        var positional = new List<string>();
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(args[i]);
            }
            else if (Flags.Contains(args[i]))
            {
                options[args[i]] = null;
            }
            else if (i + 1 < args.Length)
            {
                options[args[i]] = args[++i];
            }
            else
            {
                throw new FormatException($"{args[i]} needs a value");
            }
        }
        return new CliArguments(args[0], positional, options);
    }

    public bool Has(string flag) => Options.ContainsKey(flag);

    public string? Get(string option) => Options.TryGetValue(option, out var value) ? value : null;
}
