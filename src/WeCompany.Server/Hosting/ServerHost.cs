namespace WeCompany.Server.Hosting;

/// <summary>The composition root: configuration, services, middleware and endpoints of one server process.</summary>
public static class ServerHost
{
    public static WebApplication Build(IReadOnlyDictionary<string, string?> overrides, string? configFile)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddEnvironmentVariables("WECOMPANY_");
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(configFile, optional: false, reloadOnChange: false);
        }
        builder.Configuration.AddInMemoryCollection(overrides);
        var app = builder.Build();
        app.MapGet("/healthz", () => "ok");
        return app;
    }
}
