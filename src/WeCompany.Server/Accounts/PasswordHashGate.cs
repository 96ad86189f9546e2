namespace WeCompany.Server.Accounts;

/// <summary>
/// Lets at most one password hash per core run at a time. A hash costs ~0.1–0.3 s of CPU by design; without a
/// gate, 64 concurrent sign-ins share the cores fairly and all finish together after seconds, starving the
/// thread pool meanwhile. With it they finish one after another at the same total rate, and everything else the
/// server does keeps its threads. Callers that would wait longer than <see cref="MaxWait"/> are told to retry.
/// </summary>
public sealed class PasswordHashGate : IDisposable
{
    /// <summary>Past this wait a sign-in answers 503 with Retry-After instead of queueing further.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _slots = new(Environment.ProcessorCount, Environment.ProcessorCount);

    /// <summary>Runs <paramref name="hash"/> off the request thread once a slot is free; false when none freed in time.</summary>
    public async Task<(bool Ran, T Result)> RunAsync<T>(Func<T> hash, CancellationToken cancellationToken)
    {
        if (!await _slots.WaitAsync(MaxWait, cancellationToken))
        {
            return (false, default!);
        }
        try
        {
            return (true, hash());
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
