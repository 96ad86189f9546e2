namespace WeCompany.Server.Files;

/// <summary>
/// Where the bytes of uploaded files live, addressed by keys the storage generates. Objects are immutable once
/// committed. Two implementations: <see cref="LocalFileStorage"/> (a folder of this node) and
/// <see cref="PostgresFileStorage"/> (the cluster's database, so every node serves every file); Files:Storage chooses.
/// </summary>
public interface IFileStorage
{
    /// <summary>Starts a new object; write to <see cref="IFileUpload.Content"/>, then commit. Disposing uncommitted discards it.</summary>
    ValueTask<IFileUpload> BeginAsync(CancellationToken cancellationToken);

    /// <summary>Opens a committed object for reading (seekable, with its Length, for range requests), or null when it is gone.</summary>
    ValueTask<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Removes a committed object; a missing one is not an error.</summary>
    ValueTask DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An object being written. Dispose without <see cref="CommitAsync"/> and the partial bytes are removed.</summary>
public interface IFileUpload : IAsyncDisposable
{
    /// <summary>The key the object will have once committed.</summary>
    string Key { get; }

    /// <summary>Where to write the bytes.</summary>
    Stream Content { get; }

    /// <summary>Makes the object durable and readable under <see cref="Key"/>.</summary>
    ValueTask CommitAsync(CancellationToken cancellationToken);
}
