namespace WeCompany.Server.Hosting;

/// <summary>Entry point: parses the command line, then builds and runs the host.</summary>
public static class ServerProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = ServerCommandLine.Parse(args);
        if (parsed.ShowHelp)
        {
            Console.Out.Write(ServerCommandLine.Usage);
            return 0;
        }
        if (parsed.Error is not null)
        {
            Console.Error.WriteLine(parsed.Error);
            Console.Error.Write(ServerCommandLine.Usage);
            return 2;
        }

        var app = ServerHost.Build(parsed.Settings, parsed.ConfigFile);
        await app.RunAsync();
        return 0;
    }
}
