namespace WeCompany.Server.Hosting;

/// <summary>Migrates the store before the server accepts requests (hosted services start before Kestrel listens).</summary>
public sealed class StorageStartup(Storage.Migrator migrator) : IHostedService
{
    private volatile bool _completed;

    public bool Completed => _completed;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        _completed = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
