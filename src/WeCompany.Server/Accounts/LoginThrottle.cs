using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace WeCompany.Server.Accounts;

/// <summary>
/// Counts failed sign-ins per account and per client address in a fixed window. Past either limit, further
/// attempts are refused with 429 until the window ends — before the password is even hashed, so a flood
/// costs the server nothing. A successful sign-in forgives only its own address's failures, never the account's:
/// an attacker's failures against an account keep counting while its owner signs in from elsewhere.
/// Thread-safe; memory is bounded (entries expire, and the table is swept when it grows past its cap).
/// </summary>
public sealed class LoginThrottle(IOptions<AuthOptions> options, TimeProvider time)
{
    // 200k entries ≈ 20 MiB: far above legitimate traffic, small enough that a spray of addresses can't exhaust memory.
    private const int MaxEntries = 200_000;
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly AuthOptions _options = options.Value;

    /// <summary>How long the caller must wait, or null when an attempt may proceed.</summary>
    public TimeSpan? RetryAfter(string account, string address)
    {
        var now = time.GetUtcNow();
        var accountWait = Wait(AccountKey(account), _options.MaxFailuresPerAccount, now);
        var addressWait = Wait(AddressKey(address), _options.MaxFailuresPerAddress, now);
        return (accountWait, addressWait) switch
        {
            (null, null) => null,
            ({ } a, null) => a,
            (null, { } b) => b,
            ({ } a, { } b) => a > b ? a : b,
        };
    }

    public void RecordFailure(string account, string address)
    {
        var now = time.GetUtcNow();
        Count(AccountKey(account), now);
        Count(AddressKey(address), now);
        if (_windows.Count > MaxEntries)
        {
            Sweep(now);
        }
    }

    public void RecordSuccess(string address) => _windows.TryRemove(AddressKey(address), out _);

    private TimeSpan? Wait(string key, int limit, DateTimeOffset now)
    {
        if (!_windows.TryGetValue(key, out var window))
        {
            return null;
        }
        lock (window)
        {
            if (now >= window.Ends)
            {
                return null;
            }
            return window.Failures >= limit ? window.Ends - now : null;
        }
    }

    private void Count(string key, DateTimeOffset now)
    {
        var length = TimeSpan.FromSeconds(_options.ThrottleWindowSeconds);
        var window = _windows.GetOrAdd(key, static (_, end) => new Window { Ends = end }, now + length);
        lock (window)
        {
            if (now >= window.Ends)
            {
                window.Ends = now + length;
                window.Failures = 0;
            }
            window.Failures++;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, window) in _windows)
        {
            bool expired;
            lock (window)
            {
                expired = now >= window.Ends;
            }
            if (expired)
            {
                _windows.TryRemove(key, out _);
            }
        }
    }

    private static string AccountKey(string account) => "u:" + account.ToLowerInvariant();

    private static string AddressKey(string address) => "a:" + address;

    private sealed class Window
    {
        public DateTimeOffset Ends;
        public int Failures;
    }
}
