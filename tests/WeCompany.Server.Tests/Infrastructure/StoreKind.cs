namespace WeCompany.Server.Tests.Infrastructure;

/// <summary>The two stores every store test runs on.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}

public static class Stores
{
    /// <summary>xunit MemberData for a [Theory] that runs once per store.</summary>
    public static TheoryData<StoreKind> Both => new() { StoreKind.Sqlite, StoreKind.Postgres };

    /// <summary>Starts a server on the given store (a fresh PostgreSQL database, or SQLite in a fresh folder).</summary>
    public static async Task<TestServer> StartAsync(StoreKind store, IDictionary<string, string?>? settings = null) =>
        store == StoreKind.Postgres
            ? await TestServer.StartAsync(settings, await PostgresServer.CreateDatabaseAsync())
            : await TestServer.StartAsync(settings);
}
