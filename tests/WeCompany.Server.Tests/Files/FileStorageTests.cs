using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using WeCompany.Server.Files;
using WeCompany.Server.Storage;
using WeCompany.Server.Tests.Infrastructure;

namespace WeCompany.Server.Tests.Files;

/// <summary>Both <see cref="IFileStorage"/> implementations, on their own: the contract FilesService relies on.</summary>
public sealed class FileStorageTests
{
    public static TheoryData<string> Storages => new() { "local", "postgres" };

    /// <summary>
    /// One storage: a folder, or a fresh migrated PostgreSQL database with small chunks (so that a file of a few
    /// hundred kilobytes spans many of them, and reads cross their edges).
    /// </summary>
    private sealed class Subject : IAsyncDisposable
    {
        private readonly string? _folder;

        private Subject(IFileStorage storage, Database? database, string? folder)
        {
            Storage = storage;
            Database = database;
            _folder = folder;
        }

        public const int ChunkBytes = 64 * 1024;

        public IFileStorage Storage { get; }

        public Database? Database { get; }

        public static async Task<Subject> CreateAsync(string kind)
        {
            if (kind == "local")
            {
                var folder = Directory.CreateTempSubdirectory("wecompany-storage-").FullName;
                return new Subject(new LocalFileStorage(folder), null, folder);
            }
            var database = new Database(SqlDialect.Postgres, (await PostgresServer.CreateDatabaseAsync()).ConnectionString);
            await new Migrator(database, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            return new Subject(new PostgresFileStorage(database, TimeProvider.System, ChunkBytes), database, null);
        }

        public async Task<long> ScalarAsync(string sql)
        {
            await using var connection = await Database!.OpenAsync(CancellationToken.None);
            return await connection.ExecuteScalarAsync<long>(sql);
        }

        /// <summary>Objects held, committed or not: files on disk, or rows of file_objects plus chunks of none.</summary>
        public async Task<long> HeldAsync() => Database is null
            ? Directory.EnumerateFiles(_folder!, "*", SearchOption.AllDirectories).Count()
            : await ScalarAsync("SELECT count(*) FROM file_objects") + await ScalarAsync("SELECT count(*) FROM file_chunks");

        public ValueTask DisposeAsync()
        {
            if (_folder is not null)
            {
                Directory.Delete(_folder, recursive: true);
            }
            return ValueTask.CompletedTask;
        }
    }

    private static async Task<string> StoreAsync(IFileStorage storage, byte[] content, int writeSize = 10_000)
    {
        await using var upload = await storage.BeginAsync(CancellationToken.None);
        for (var offset = 0; offset < content.Length; offset += writeSize)
        {
            await upload.Content.WriteAsync(content.AsMemory(offset, Math.Min(writeSize, content.Length - offset)));
        }
        await upload.CommitAsync(CancellationToken.None);
        return upload.Key;
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task WhatIsCommittedReadsBackWholeAndFromAnyPosition(string kind)
    {
        await using var subject = await Subject.CreateAsync(kind);
        var content = FileUploads.Pdf(5 * Subject.ChunkBytes + 1234, seed: 3);
        var exact = FileUploads.Pdf(2 * Subject.ChunkBytes, seed: 4);

        var key = await StoreAsync(subject.Storage, content);
        var exactKey = await StoreAsync(subject.Storage, exact, writeSize: Subject.ChunkBytes);

        await using (var whole = (await subject.Storage.OpenReadAsync(key, CancellationToken.None))!)
        {
            Assert.True(whole.CanSeek);
            Assert.Equal(content.Length, whole.Length);
            using var copy = new MemoryStream();
            await whole.CopyToAsync(copy).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(content, copy.ToArray());
        }
        await using (var part = (await subject.Storage.OpenReadAsync(key, CancellationToken.None))!)
        {
            // Across the edge of the second and third chunk, then backwards into the first, then past the end.
            var slice = new byte[3000];
            part.Seek(2 * Subject.ChunkBytes - 1000, SeekOrigin.Begin);
            await part.ReadExactlyAsync(slice).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(content.AsSpan(2 * Subject.ChunkBytes - 1000, 3000).ToArray(), slice);
            part.Position = 10;
            await part.ReadExactlyAsync(slice.AsMemory(0, 100)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(content.AsSpan(10, 100).ToArray(), slice[..100]);
            part.Seek(-5, SeekOrigin.End);
            Assert.Equal(5, await part.ReadAsync(slice).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(content[^5..], slice[..5]);
            Assert.Equal(0, await part.ReadAsync(slice).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        await using var exactRead = (await subject.Storage.OpenReadAsync(exactKey, CancellationToken.None))!;
        using var exactCopy = new MemoryStream();
        await exactRead.CopyToAsync(exactCopy).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(exact, exactCopy.ToArray());
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task AnUploadDisposedWithoutCommitLeavesNothing(string kind)
    {
        await using var subject = await Subject.CreateAsync(kind);
        string key;

        await using (var upload = await subject.Storage.BeginAsync(CancellationToken.None))
        {
            key = upload.Key;
            await upload.Content.WriteAsync(FileUploads.Pdf(3 * Subject.ChunkBytes + 17));
            Assert.True(await subject.HeldAsync() > 0);
        }

        Assert.Null(await subject.Storage.OpenReadAsync(key, CancellationToken.None));
        Assert.Equal(0, await subject.HeldAsync());
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task DeleteRemovesTheObjectAndItsBytesAndAMissingOneIsNoError(string kind)
    {
        await using var subject = await Subject.CreateAsync(kind);
        var key = await StoreAsync(subject.Storage, FileUploads.Pdf(4 * Subject.ChunkBytes));
        var kept = await StoreAsync(subject.Storage, FileUploads.Pdf(100));
        var held = await subject.HeldAsync();

        await subject.Storage.DeleteAsync(key, CancellationToken.None);
        await subject.Storage.DeleteAsync(key, CancellationToken.None);

        Assert.Null(await subject.Storage.OpenReadAsync(key, CancellationToken.None));
        Assert.NotNull(await subject.Storage.OpenReadAsync(kept, CancellationToken.None));
        Assert.True(await subject.HeldAsync() < held);
        Assert.Equal(kind == "local" ? 1 : 2, await subject.HeldAsync());
    }

    [Fact]
    public async Task AnUploadWhoseNodeDiedIsSweptOnlyOnceAbandoned()
    {
        await using var subject = await Subject.CreateAsync("postgres");
        var storage = (PostgresFileStorage)subject.Storage;
        var orphan = await StoreAsync(storage, FileUploads.Pdf(100));
        // A node that dies mid-upload neither commits nor disposes: its rows stay behind.
        var dead = await storage.BeginAsync(CancellationToken.None);
        await dead.Content.WriteAsync(FileUploads.Pdf(2 * Subject.ChunkBytes));
        var now = DateTimeOffset.UtcNow;

        var early = await storage.SweepAsync(now.AddHours(-1).ToUnixTimeMilliseconds(), CancellationToken.None);
        var late = await storage.SweepAsync(now.AddMinutes(1).ToUnixTimeMilliseconds(), CancellationToken.None);

        Assert.Equal(0, early);
        // The abandoned upload, and the committed object no file row points at (its node died before recording it).
        Assert.Equal(2, late);
        Assert.Equal(0, await subject.HeldAsync());
        Assert.Null(await storage.OpenReadAsync(orphan, CancellationToken.None));
        // Should the node come back to life, its upload fails to commit rather than pointing at nothing.
        await Assert.ThrowsAsync<IOException>(async () => await dead.CommitAsync(CancellationToken.None));
        await dead.DisposeAsync();
    }
}
