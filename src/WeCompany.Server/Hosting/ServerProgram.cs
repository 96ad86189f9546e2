using Microsoft.Extensions.Options;
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

        WebApplication? app = null;
        try
        {
            app = ServerHost.Build(parsed.Settings, parsed.ConfigFile);
            await app.StartAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or OptionsValidationException or IOException)
        {
            Console.Error.WriteLine("error: the server could not start: " + e.Message);
            return 1;
        }
        catch (System.Data.Common.DbException e)
        {
            // Unreachable, refusing, or a bad database: the message names the host and the cause, never the password.
            var provider = app?.Services.GetService<IOptions<Storage.StorageOptions>>()?.Value.Provider;
            Console.Error.WriteLine($"error: the server could not start: the database ({provider}) failed: {e.Message}" +
                (e.InnerException is { } inner ? " (" + inner.Message + ")" : ""));
            return 1;
        }
        var http = app.Services.GetRequiredService<IOptions<Http.HttpOptions>>().Value;
        Console.Out.WriteLine($"WeCompany is running: open http://localhost:{http.Port}/ (API docs at /docs)");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
