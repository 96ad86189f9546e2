using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Dapper;

namespace WeCompany.Server.Storage;

/// <summary>
/// Applies the versioned SQL scripts of the current dialect (embedded as <c>migrations/{dialect}/NNNN_name.sql</c>)
/// in one transaction at start-up. A second start is a no-op; a database written by a newer version of the
/// server refuses to start rather than run against a schema it does not know.
/// </summary>
public sealed partial class Migrator(Database database, ILogger<Migrator> logger)
{
    public sealed record Script(int Version, string Name, string Sql);

    public static IReadOnlyList<Script> ScriptsFor(SqlDialect dialect)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = dialect == SqlDialect.Sqlite ? "migrations/sqlite/" : "migrations/postgres/";
        var scripts = new List<Script>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var name = resource[prefix.Length..];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
            scripts.Add(new Script(version, name, ReadResource(assembly, resource)));
        }
        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        return scripts;
    }

    /// <summary>Brings the schema up to date; returns how many scripts ran.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        var scripts = ScriptsFor(database.Dialect);
        var latest = scripts.Count == 0 ? 0 : scripts[^1].Version;
        await using var connection = await database.OpenAsync(cancellationToken);
        if (database.Dialect == SqlDialect.Sqlite)
        {
            // WAL lets readers go on while one writer commits; it is a property of the file, set once.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
        }
        else
        {
            // Two nodes starting together must not both run the same script.
            await connection.ExecuteAsync("SELECT pg_advisory_lock(727001)");
        }
        try
        {
            await connection.ExecuteAsync(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            var applied = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations")).ToHashSet();
            var newest = applied.Count == 0 ? 0 : applied.Max();
            if (newest > latest)
            {
                throw new InvalidOperationException(
                    $"The database is at schema version {newest}, newer than this server knows ({latest}). " +
                    "Run a server of the version that wrote it, or restore a backup.");
            }
            var ran = 0;
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var script in scripts)
            {
                if (applied.Contains(script.Version))
                {
                    continue;
                }
                await connection.ExecuteAsync(new CommandDefinition(script.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)",
                    new { script.Version, script.Name, AppliedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                    transaction, cancellationToken: cancellationToken));
                Log.Applied(logger, script.Name);
                ran++;
            }
            await transaction.CommitAsync(cancellationToken);
            return ran;
        }
        finally
        {
            if (database.Dialect == SqlDialect.Postgres)
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(727001)");
            }
        }
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Applied migration {Name}")]
        public static partial void Applied(ILogger logger, string name);
    }
}
