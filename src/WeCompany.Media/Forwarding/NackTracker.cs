namespace WeCompany.Media.Forwarding;

/// <summary>
/// Finds gaps in one incoming stream's sequence numbers and says which to NACK (RFC 4585 §6.2.1), each
/// at most <see cref="MaxAttempts"/> times, forgetting those that arrive late or grow too old.
/// </summary>
/// <remarks>Fixed arrays, no allocation. Not thread-safe: the owner locks.</remarks>
public sealed class NackTracker
{
    /// <summary>How many times one missing packet is asked for.</summary>
    public const int MaxAttempts = 3;

    // A jump larger than this is a restart or a long outage, not loss worth repairing.
    private const int MaxGap = 100;
    private const int MaxMissing = 128;

    private readonly ushort[] _missing = new ushort[MaxMissing];
    private readonly byte[] _attempts = new byte[MaxMissing];
    private int _count;
    private bool _started;
    private ushort _highest;

    /// <summary>Packets currently considered missing.</summary>
    public int MissingCount => _count;

    /// <summary>Records an arrived sequence number.</summary>
    public void Received(ushort sequenceNumber)
    {
        if (!_started)
        {
            _started = true;
            _highest = sequenceNumber;
            return;
        }

        var delta = (short)(sequenceNumber - _highest);
        if (delta > 0)
        {
            if (delta > MaxGap)
            {
                _count = 0;
            }
            else
            {
                for (var missing = (ushort)(_highest + 1); missing != sequenceNumber; missing++)
                {
                    Add(missing);
                }
            }

            _highest = sequenceNumber;
            return;
        }

        // Late or retransmitted: no longer missing.
        for (var i = 0; i < _count; i++)
        {
            if (_missing[i] == sequenceNumber)
            {
                RemoveAt(i);
                return;
            }
        }
    }

    /// <summary>Copies the sequence numbers to NACK now into <paramref name="destination"/>, counting an attempt for each.</summary>
    public int CollectDue(Span<ushort> destination)
    {
        var written = 0;
        for (var i = 0; i < _count && written < destination.Length;)
        {
            destination[written++] = _missing[i];
            if (++_attempts[i] >= MaxAttempts)
            {
                RemoveAt(i);
                continue;
            }

            i++;
        }

        return written;
    }

    private void Add(ushort sequenceNumber)
    {
        if (_count == MaxMissing)
        {
            RemoveAt(0);
        }

        _missing[_count] = sequenceNumber;
        _attempts[_count] = 0;
        _count++;
    }

    private void RemoveAt(int index)
    {
        _count--;
        Array.Copy(_missing, index + 1, _missing, index, _count - index);
        Array.Copy(_attempts, index + 1, _attempts, index, _count - index);
    }
}
