using Dapper;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Accounts;

/// <summary>A user row (settable properties: Dapper converts SQLite's integer booleans on assignment).</summary>
public sealed class UserRecord
{
    public long Id { get; init; }
    public string Username { get; init; } = "";
    public string Email { get; init; } = "";
    public string PasswordHash { get; init; } = "";
    public string FullName { get; init; } = "";
    public string AvatarUrl { get; init; } = "";
    public bool IsAdmin { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }
}

/// <summary>
/// Users in the store. Usernames and e-mails are unique case-insensitively (lower() indexes).
/// Reads by id (every authenticated request that needs the user) go through a short read-through cache:
/// writes on this node replace the entry at once; a write on another cluster node shows within
/// <see cref="CacheLifetime"/>.
/// </summary>
public sealed class UserStore(Database database, TimeProvider time)
{
    /// <summary>How stale a user read by id may be after a change made on another node.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(1);

    // Bounded: past this many users the cache starts afresh rather than grow.
    private const int MaxCachedUsers = 100_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, (UserRecord User, DateTimeOffset Expires)> _byId = new();

    private const string Columns = "id, username, email, password_hash, full_name, avatar_url, is_admin, created_at, updated_at";

    /// <summary>Inserts a user; the first user of an empty store becomes an administrator. Null on a duplicate.</summary>
    public async Task<UserRecord?> InsertAsync(string username, string email, string passwordHash, string fullName, bool admin, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        try
        {
            // The first user is the administrator: decided inside the INSERT so two racing registrations can't both win.
            var sql = $"""
                INSERT INTO users (username, email, password_hash, full_name, avatar_url, is_admin, created_at, updated_at)
                VALUES (@username, @email, @passwordHash, @fullName, '', 
                        CASE WHEN @admin OR NOT EXISTS (SELECT 1 FROM users) THEN {True} ELSE {False} END, @now, @now)
                RETURNING {Columns}
                """;
            return await connection.QuerySingleAsync<UserRecord>(new CommandDefinition(sql,
                new { username, email, passwordHash, fullName, admin, now }, cancellationToken: ct));
        }
        catch (Exception e) when (Database.IsUniqueViolation(e))
        {
            return null;
        }
    }

    public async Task<UserRecord?> FindByIdAsync(long id, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_byId.TryGetValue(id, out var cached) && cached.Expires > now)
        {
            return cached.User;
        }
        UserRecord? user;
        await using (var connection = await database.OpenAsync(ct))
        {
            user = await connection.QuerySingleOrDefaultAsync<UserRecord>(new CommandDefinition(
                $"SELECT {Columns} FROM users WHERE id = @id", new { id }, cancellationToken: ct));
        }
        if (user is not null)
        {
            if (_byId.Count >= MaxCachedUsers)
            {
                _byId.Clear();
            }
            _byId[id] = (user, now + CacheLifetime);
        }
        return user;
    }

    private void Forget(long id) => _byId.TryRemove(id, out _);

    public async Task<UserRecord?> FindByUsernameAsync(string username, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE lower(username) = lower(@username)", new { username }, cancellationToken: ct));
    }

    public async Task<bool> UsernameExistsAsync(string username, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM users WHERE lower(username) = lower(@username)", new { username }, cancellationToken: ct)) > 0;
    }

    /// <summary>Updates the profile; false when the e-mail belongs to another user.</summary>
    public async Task<bool> UpdateProfileAsync(long id, string fullName, string email, string avatarUrl, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE users SET full_name = @fullName, email = @email, avatar_url = @avatarUrl, updated_at = @now WHERE id = @id",
                new { id, fullName, email, avatarUrl, now }, cancellationToken: ct));
            Forget(id);
            return true;
        }
        catch (Exception e) when (Database.IsUniqueViolation(e))
        {
            return false;
        }
    }

    public async Task UpdatePasswordAsync(long id, string passwordHash, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET password_hash = @passwordHash, updated_at = @now WHERE id = @id",
            new { id, passwordHash, now }, cancellationToken: ct));
        Forget(id);
    }

    private string True => database.Dialect == SqlDialect.Postgres ? "TRUE" : "1";

    private string False => database.Dialect == SqlDialect.Postgres ? "FALSE" : "0";
}
