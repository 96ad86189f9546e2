using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace WeCompany.Server.Storage;

/// <summary>The two SQL dialects we ship migrations for.</summary>
public enum SqlDialect
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Opens connections to the configured store. Stores write SQL that runs on both dialects (timestamps are
/// Unix milliseconds in BIGINT columns, ids come back with RETURNING); where they differ they ask
/// <see cref="Dialect"/>. Thread-safe: each call opens its own pooled connection. Disposed last at shutdown (by the
/// service container): the PostgreSQL pool closes its connections then, instead of holding them until they idle out.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _postgres;

    public Database(SqlDialect dialect, string connectionString)
    {
        Dialect = dialect;
        _connectionString = connectionString;
        if (dialect == SqlDialect.Postgres)
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (!builder.ContainsKey("Max Auto Prepare"))
            {
                // Planning a statement costs PostgreSQL more than running our index-driven queries (5.6 ms against
                // 0.1 ms for the meetings page, measured under load): statements used often are prepared once per
                // connection and then only executed. The stores' SQL texts are a bounded set, so a few hundred cover them.
                builder.MaxAutoPrepare = 256;
            }
            _postgres = NpgsqlDataSource.Create(builder.ConnectionString);
        }
    }

    public SqlDialect Dialect { get; }

    public static Database FromOptions(StorageOptions options)
    {
        if (options.Provider == "postgres")
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                throw new InvalidOperationException("Storage:Provider is postgres but Storage:ConnectionString is empty.");
            }
            return new Database(SqlDialect.Postgres, options.ConnectionString);
        }
        Directory.CreateDirectory(Path.GetFullPath(options.DataDir));
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = options.SqlitePath,
            ForeignKeys = true,
            Pooling = true,
            // Seconds a statement waits on a locked database before failing (SQLITE_BUSY retries).
            DefaultTimeout = 30,
        };
        return new Database(SqlDialect.Sqlite, builder.ToString());
    }

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public ValueTask DisposeAsync() => _postgres?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>True when the exception is a unique-constraint violation on either engine.</summary>
    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
