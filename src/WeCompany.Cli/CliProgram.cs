namespace WeCompany.Cli;

/// <summary>The <c>wecompany</c> command-line client.</summary>
public static class CliProgram
{
    public const string Usage = """
        Usage: wecompany COMMAND [options]

        Commands:
          help                 print this help

        """;

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            stdout.Write(Usage);
            return Task.FromResult(0);
        }
        stderr.WriteLine($"error: unknown command '{args[0]}'");
        stderr.Write(Usage);
        return Task.FromResult(2);
    }
}
