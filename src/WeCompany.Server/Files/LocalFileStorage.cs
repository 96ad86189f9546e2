using System.Security.Cryptography;

namespace WeCompany.Server.Files;

/// <summary>
/// Files on the local disk: {root}/{key[0..2]}/{key}, written first to {root}/incoming/{key}.part and renamed
/// on commit, so a reader never sees half a file and an interrupted upload leaves only a .part that is removed
/// at once (and, after a crash, at the next start). Keys are random (128 bits, hex): nothing the client sends
/// reaches a path.
/// </summary>
public sealed class LocalFileStorage : IFileStorage
{
    // Large writes with few syscalls; the pipe from Kestrel hands over at most this much at a time anyway.
    private const int WriteBufferBytes = 128 * 1024;
    private readonly string _root;
    private readonly string _incoming;

    public LocalFileStorage(string root)
    {
        _root = Path.GetFullPath(root);
        _incoming = Path.Combine(_root, "incoming");
        Directory.CreateDirectory(_incoming);
        // A .part left here belongs to an upload the previous process never finished.
        foreach (var stale in Directory.EnumerateFiles(_incoming, "*.part"))
        {
            File.Delete(stale);
        }
    }

    /// <summary>Files:Directory, or "files" in Storage:DataDir.</summary>
    public static LocalFileStorage FromServices(IServiceProvider services)
    {
        var files = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FilesOptions>>().Value;
        var storage = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Storage.StorageOptions>>().Value;
        return new LocalFileStorage(string.IsNullOrWhiteSpace(files.Directory) ? Path.Combine(Path.GetFullPath(storage.DataDir), "files") : files.Directory);
    }

    /// <summary>The folder of uploads in progress (tests watch it to see partial files go).</summary>
    public string IncomingDirectory => _incoming;

    public ValueTask<IFileUpload> BeginAsync(CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var partPath = Path.Combine(_incoming, key + ".part");
        var stream = new FileStream(partPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = WriteBufferBytes,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        return ValueTask.FromResult<IFileUpload>(new Upload(this, key, partPath, stream));
    }

    public ValueTask<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            return ValueTask.FromResult<Stream?>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ValueTask.FromResult<Stream?>(null);
        }
    }

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(key));
        return ValueTask.CompletedTask;
    }

    private string PathOf(string key)
    {
        // Keys come from our own table, but refuse anything that is not one of ours before touching the disk.
        if (key.Length != 32 || !key.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("Not a storage key.", nameof(key));
        }
        return Path.Combine(_root, key[..2], key);
    }

    private sealed class Upload(LocalFileStorage storage, string key, string partPath, FileStream stream) : IFileUpload
    {
        private bool _committed;

        public string Key => key;

        public Stream Content => stream;

        public async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken);
            await stream.DisposeAsync();
            var final = storage.PathOf(key);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(partPath, final);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync();
            if (!_committed)
            {
                File.Delete(partPath);
            }
        }
    }
}
