using System.Security.Cryptography;
using System.Text;
using Dapper;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Accounts;

/// <summary>What rotating a refresh token found.</summary>
public enum RefreshOutcome
{
    Rotated,
    Unknown,
    Expired,
    Reused,
    Revoked,
}

/// <summary>
/// Opaque refresh tokens: 32 random bytes shown once, stored as their SHA-256. A family starts at sign-in; each
/// use spends the token and issues the next one of the same family, keeping the family's absolute expiry.
/// Presenting a spent token again means it was stolen or replayed: the whole family is revoked.
/// </summary>
public sealed class RefreshTokenStore(Database database)
{
    public sealed record Issued(string Token, long UserId);

    public async Task<string> CreateFamilyAsync(long userId, long now, long expiresAt, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await InsertAsync(connection, null, userId, Guid.NewGuid().ToString("N"), now, expiresAt, ct);
    }

    /// <summary>Spends <paramref name="token"/> and issues its successor, atomically.</summary>
    public async Task<(RefreshOutcome Outcome, Issued? Next)> RotateAsync(string token, long now, CancellationToken ct)
    {
        var hash = Hash(token);
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // The conditional UPDATE is the lock: of two racing uses of one token exactly one changes a row.
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            "UPDATE refresh_tokens SET used_at = @now WHERE token_hash = @hash AND used_at IS NULL AND revoked_at IS NULL " +
            "RETURNING user_id, family_id, expires_at", new { hash, now }, transaction, cancellationToken: ct));
        if (row is null)
        {
            var existing = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
                "SELECT user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = @hash",
                new { hash }, transaction, cancellationToken: ct));
            if (existing is null)
            {
                return (RefreshOutcome.Unknown, null);
            }
            if (existing.RevokedAt is not null && existing.UsedAt is null)
            {
                return (RefreshOutcome.Revoked, null);
            }
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE refresh_tokens SET revoked_at = @now WHERE family_id = @family AND revoked_at IS NULL",
                new { now, family = existing.FamilyId }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
            return (RefreshOutcome.Reused, null);
        }
        if (row.ExpiresAt <= now)
        {
            await transaction.CommitAsync(ct);
            return (RefreshOutcome.Expired, null);
        }
        var next = await InsertAsync(connection, transaction, row.UserId, row.FamilyId, now, row.ExpiresAt, ct);
        await transaction.CommitAsync(ct);
        return (RefreshOutcome.Rotated, new Issued(next, row.UserId));
    }

    /// <summary>Revokes the family <paramref name="token"/> belongs to, if it is this user's.</summary>
    public async Task RevokeFamilyAsync(string token, long userId, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = @now WHERE revoked_at IS NULL AND user_id = @userId AND family_id = " +
            "(SELECT family_id FROM refresh_tokens WHERE token_hash = @hash)",
            new { now, userId, hash = Hash(token) }, cancellationToken: ct));
    }

    public async Task RevokeAllAsync(long userId, long now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = @now WHERE user_id = @userId AND revoked_at IS NULL",
            new { now, userId }, cancellationToken: ct));
    }

    private static async Task<string> InsertAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction,
        long userId, string familyId, long now, long expiresAt, CancellationToken ct)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, expires_at) VALUES (@userId, @familyId, @hash, @now, @expiresAt)",
            new { userId, familyId, hash = Hash(token), now, expiresAt }, transaction, cancellationToken: ct));
        return token;
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class Row
    {
        public long UserId { get; init; }
        public string FamilyId { get; init; } = "";
        public long ExpiresAt { get; init; }
        public long? UsedAt { get; init; }
        public long? RevokedAt { get; init; }
    }
}
