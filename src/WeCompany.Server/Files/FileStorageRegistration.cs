using Microsoft.Extensions.Options;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Files;

/// <summary>Registers the <see cref="IFileStorage"/> that Files:Storage chooses, its start-up check and the sweep.</summary>
public static class FileStorageRegistration
{
    public static IServiceCollection AddFileStorage(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<FilesOptions>, FileStorageChoiceValidation>();
        services.AddSingleton<IFileStorage>(sp =>
        {
            var provider = sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider;
            return sp.GetRequiredService<IOptions<FilesOptions>>().Value.EffectiveStorage(provider) == "postgres"
                ? new PostgresFileStorage(sp.GetRequiredService<Database>(), sp.GetRequiredService<TimeProvider>())
                : LocalFileStorage.FromServices(sp);
        });
        services.AddHostedService<FileObjectSweeper>();
        return services;
    }
}

/// <summary>Refuses to start with the files in PostgreSQL while the database is SQLite.</summary>
internal sealed class FileStorageChoiceValidation(IOptions<StorageOptions> storage) : IValidateOptions<FilesOptions>
{
    public ValidateOptionsResult Validate(string? name, FilesOptions options)
    {
        var provider = storage.Value.Provider;
        return options.EffectiveStorage(provider) == "postgres" && provider != "postgres"
            ? ValidateOptionsResult.Fail($"Files:Storage is postgres but Storage:Provider is {provider}: files can live in PostgreSQL only when the database does. Set Storage:Provider=postgres, or Files:Storage=local.")
            : ValidateOptionsResult.Success;
    }
}

/// <summary>
/// With <see cref="PostgresFileStorage"/>, deletes abandoned uploads every Files:SweepIntervalSeconds (see there);
/// with local storage it has nothing to do (a .part file is removed at the next start). Every node sweeps.
/// </summary>
internal sealed partial class FileObjectSweeper(IFileStorage storage, IOptions<FilesOptions> options, TimeProvider clock, ILogger<FileObjectSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (storage is not PostgresFileStorage postgres)
        {
            return;
        }
        var settings = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.SweepIntervalSeconds), clock);
        do
        {
            try
            {
                var cutoff = clock.GetUtcNow().AddMinutes(-settings.AbandonedUploadMinutes).ToUnixTimeMilliseconds();
                if (await postgres.SweepAsync(cutoff, stoppingToken) is var swept and > 0)
                {
                    Log.Swept(logger, swept);
                }
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                // PostgreSQL may be briefly unreachable (a restart); the next tick tries again.
                Log.SweepFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Deleted {Count} abandoned stored file objects")]
        public static partial void Swept(ILogger logger, int count);

        [LoggerMessage(2, LogLevel.Warning, "Sweeping abandoned stored file objects failed; retrying on the next tick")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
