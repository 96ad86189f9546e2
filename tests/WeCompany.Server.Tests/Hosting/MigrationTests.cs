using Dapper;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Tests.Hosting;

public sealed class MigrationTests
{
    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ASecondStartAppliesNothingAndKeepsTheData(StoreKind store)
    {
        var postgres = store == StoreKind.Postgres ? await PostgresServer.CreateDatabaseAsync() : null;
        var dataDir = Directory.CreateTempSubdirectory("wecompany-mig-").FullName;
        var settings = new Dictionary<string, string?> { ["Storage:DataDir"] = dataDir };
        await using (var first = await TestServer.StartAsync(settings, postgres))
        {
            await first.RegisterAsync("keeper");
        }
        await using var second = await TestServer.StartAsync(settings, postgres);
        Assert.Equal(0, await second.Service<Migrator>().MigrateAsync(CancellationToken.None));
        var versions = Migrator.ScriptsFor(second.Service<Database>().Dialect).Select(s => s.Version).ToList();
        await using var connection = await second.Service<Database>().OpenAsync(CancellationToken.None);
        Assert.Equal(versions, (await connection.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")).ToList());
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE username = 'keeper'"));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ADatabaseFromANewerVersionRefusesToStartWithAClearMessage(StoreKind store)
    {
        var postgres = store == StoreKind.Postgres ? await PostgresServer.CreateDatabaseAsync() : null;
        var dataDir = Directory.CreateTempSubdirectory("wecompany-mig-").FullName;
        var settings = new Dictionary<string, string?> { ["Storage:DataDir"] = dataDir };
        await using (var first = await TestServer.StartAsync(settings, postgres))
        {
            await using var connection = await first.Service<Database>().OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)");
        }
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestServer.StartAsync(settings, postgres));
        Assert.Contains("newer than this server knows", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheEmbeddedStoreUsesWalAndEnforcesForeignKeys()
    {
        await using var server = await TestServer.StartAsync();
        Assert.True(File.Exists(Path.Combine(server.DataDir, "wecompany.db")));
        await using var connection = await server.Service<Database>().OpenAsync(CancellationToken.None);
        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
    }
}
