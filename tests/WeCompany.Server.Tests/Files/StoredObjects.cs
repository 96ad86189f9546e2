using Dapper;
using WeCompany.Server.Files;
using WeCompany.Server.Storage;

namespace WeCompany.Server.Tests.Files;

/// <summary>What a server's file storage holds, whichever it is (a folder, or PostgreSQL's file_objects and file_chunks).</summary>
internal static class StoredObjects
{
    /// <summary>Committed objects: files on disk outside incoming/, or committed rows of file_objects.</summary>
    public static async Task<long> CommittedAsync(TestServer server)
    {
        if (server.Service<IFileStorage>() is PostgresFileStorage)
        {
            return await ScalarAsync(server, "SELECT count(*) FROM file_objects WHERE committed");
        }
        var root = Path.Combine(server.DataDir, "files");
        return Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Count(f => !f.Contains(Path.DirectorySeparatorChar + "incoming" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            : 0;
    }

    /// <summary>Bytes of uploads in progress or left behind: .part files, or uncommitted objects and chunks of no committed object.</summary>
    public static async Task<long> PartialAsync(TestServer server)
    {
        if (server.Service<IFileStorage>() is PostgresFileStorage)
        {
            return await ScalarAsync(server, "SELECT count(*) FROM file_objects WHERE NOT committed")
                + await ScalarAsync(server, "SELECT count(*) FROM file_chunks c WHERE NOT EXISTS (SELECT 1 FROM file_objects o WHERE o.storage_key = c.storage_key AND o.committed)");
        }
        var incoming = Path.Combine(server.DataDir, "files", "incoming");
        return Directory.Exists(incoming) ? Directory.EnumerateFiles(incoming).Count() : 0;
    }

    /// <summary>Rows of file_chunks (PostgreSQL storage).</summary>
    public static Task<long> ChunksAsync(TestServer server) => ScalarAsync(server, "SELECT count(*) FROM file_chunks");

    private static async Task<long> ScalarAsync(TestServer server, string sql)
    {
        await using var connection = await server.Service<Database>().OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (or fails the test after 10 s).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition().WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(20);
        }
    }
}
