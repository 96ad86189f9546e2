using System.Diagnostics;

namespace WeCompany.Server.Signaling;

/// <summary>
/// Messages-per-second limit of one connection: <see cref="Capacity"/> tokens refilled at
/// <see cref="RatePerSecond"/>. Used by the connection's reader only, so it takes no lock.
/// </summary>
internal sealed class TokenBucket(double ratePerSecond, int capacity)
{
    private double _tokens = capacity;
    private long _lastRefill = Stopwatch.GetTimestamp();

    public double RatePerSecond => ratePerSecond;

    public int Capacity => capacity;

    public bool TryTake()
    {
        var now = Stopwatch.GetTimestamp();
        var elapsed = (now - _lastRefill) / (double)Stopwatch.Frequency;
        _lastRefill = now;
        _tokens = Math.Min(capacity, _tokens + (elapsed * ratePerSecond));
        if (_tokens < 1)
        {
            return false;
        }
        _tokens -= 1;
        return true;
    }
}
