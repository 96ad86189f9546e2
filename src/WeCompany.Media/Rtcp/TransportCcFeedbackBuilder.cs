using System.Buffers.Binary;

namespace WeCompany.Media.Rtcp;

/// <summary>
/// Builds transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
/// §3.1) from the (transport sequence number, arrival time) pairs the receiver recorded.
/// </summary>
/// <remarks>
/// Not thread-safe: one builder per receiving transport, fed and built by the same loop. Arrays are
/// allocated once for <c>capacity</c> packets and reused; adding and building allocate nothing.
/// </remarks>
public sealed class TransportCcFeedbackBuilder
{
    private const int HeaderLength = 20; // RTCP header, two SSRCs, base seq, status count, reference time, fb count
    private const int MaxRunLength = 0x1FFF;
    private const int SymbolNotReceived = 0;
    private const int SymbolSmallDelta = 1;
    private const int SymbolLargeDelta = 2;

    private readonly long[] _sequences;
    private readonly long[] _arrivals;
    private byte[] _symbols = new byte[256];
    private short[] _deltas = new short[256];
    private int _count;
    private long _lastUnwrapped = -1;

    /// <summary>Creates a builder that holds up to <paramref name="capacity"/> packets between builds.</summary>
    public TransportCcFeedbackBuilder(int capacity = 2048)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _sequences = new long[capacity];
        _arrivals = new long[capacity];
    }

    /// <summary>Packets recorded and not yet reported.</summary>
    public int Count => _count;

    /// <summary>Records one received packet; false when the builder is full (build first).</summary>
    /// <param name="sequenceNumber">The transport-wide sequence number from the header extension.</param>
    /// <param name="arrivalTimeMicroseconds">Arrival time on the receiver's monotonic clock.</param>
    public bool Add(ushort sequenceNumber, long arrivalTimeMicroseconds)
    {
        if (_count == _sequences.Length)
        {
            return false;
        }

        // Unwrap against the last number seen: the nearer of the two directions wins.
        var unwrapped = _lastUnwrapped < 0
            ? sequenceNumber + 0x10000L
            : _lastUnwrapped + (short)(sequenceNumber - (ushort)_lastUnwrapped);
        _lastUnwrapped = unwrapped;
        _sequences[_count] = unwrapped;
        _arrivals[_count] = arrivalTimeMicroseconds;
        _count++;
        return true;
    }

    /// <summary>Forgets all recorded packets.</summary>
    public void Clear() => _count = 0;

    /// <summary>
    /// Writes one feedback packet covering the oldest recorded packets and forgets those it covered.
    /// Packets that did not fit (destination size, delta range, 65,535 statuses) stay for the next
    /// call: call again while <see cref="Count"/> is above zero. Returns the length, 0 when empty.
    /// </summary>
    public int Build(Span<byte> destination, uint senderSsrc, uint mediaSsrc, byte feedbackPacketCount)
    {
        if (_count == 0)
        {
            return 0;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HeaderLength + 8, nameof(destination));
        Array.Sort(_sequences, _arrivals, 0, _count);
        RemoveDuplicates();

        var baseSequence = _sequences[0];
        // Reference time in 64 ms units; deltas in 250 µs units start from it (draft §3.1).
        var referenceTime = FloorDiv(_arrivals[0], 64_000);
        var statusCount = (int)Math.Min(_sequences[_count - 1] - baseSequence + 1, ushort.MaxValue);
        EnsureScratch(statusCount);
        Array.Clear(_symbols, 0, statusCount);

        var previous = referenceTime * 256;
        var covered = 0;
        for (; covered < _count; covered++)
        {
            var index = _sequences[covered] - baseSequence;
            if (index >= statusCount)
            {
                break;
            }

            var ticks = FloorDiv(_arrivals[covered], 250);
            var delta = ticks - previous;
            if (delta is < short.MinValue or > short.MaxValue)
            {
                // Not representable: end this feedback just before the packet.
                statusCount = (int)index;
                break;
            }

            _symbols[index] = delta is >= 0 and <= 255 ? (byte)SymbolSmallDelta : (byte)SymbolLargeDelta;
            _deltas[index] = (short)delta;
            previous = ticks;
        }

        // Shrink until it fits the destination; halving keeps this rare path short.
        int length;
        while ((length = Encode(destination, statusCount, senderSsrc, mediaSsrc, (ushort)baseSequence, referenceTime, feedbackPacketCount)) < 0)
        {
            statusCount = Math.Max(1, statusCount / 2);
        }

        covered = 0;
        while (covered < _count && _sequences[covered] - baseSequence < statusCount)
        {
            covered++;
        }

        Array.Copy(_sequences, covered, _sequences, 0, _count - covered);
        Array.Copy(_arrivals, covered, _arrivals, 0, _count - covered);
        _count -= covered;
        return length;
    }

    private int Encode(Span<byte> destination, int statusCount, uint senderSsrc, uint mediaSsrc, ushort baseSequence, long referenceTime, byte feedbackCount)
    {
        var symbols = _symbols.AsSpan(0, statusCount);
        var offset = HeaderLength;
        var i = 0;
        while (i < statusCount)
        {
            if (offset + 2 > destination.Length)
            {
                return -1;
            }

            var run = 1;
            while (i + run < statusCount && run < MaxRunLength && symbols[i + run] == symbols[i])
            {
                run++;
            }

            var window = symbols.Slice(i, Math.Min(14, statusCount - i));
            ushort chunk;
            if (run >= 14 || (run >= 7 && window.Contains((byte)SymbolLargeDelta)))
            {
                // Run length chunk: T=0, 2-bit symbol, 13-bit run.
                chunk = (ushort)((symbols[i] << 13) | run);
                i += run;
            }
            else if (!window.Contains((byte)SymbolLargeDelta))
            {
                // Status vector chunk, one-bit symbols: T=1, S=0, 14 × (received or not).
                chunk = 0x8000;
                for (var k = 0; k < window.Length; k++)
                {
                    chunk |= (ushort)(window[k] << (13 - k));
                }

                i += 14;
            }
            else
            {
                // Status vector chunk, two-bit symbols: T=1, S=1, 7 × symbol.
                chunk = 0xC000;
                var take = Math.Min(7, statusCount - i);
                for (var k = 0; k < take; k++)
                {
                    chunk |= (ushort)(symbols[i + k] << (12 - (2 * k)));
                }

                i += 7;
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], chunk);
            offset += 2;
        }

        for (var k = 0; k < statusCount; k++)
        {
            if (symbols[k] == SymbolSmallDelta)
            {
                if (offset + 1 > destination.Length)
                {
                    return -1;
                }

                destination[offset++] = (byte)_deltas[k];
            }
            else if (symbols[k] == SymbolLargeDelta)
            {
                if (offset + 2 > destination.Length)
                {
                    return -1;
                }

                BinaryPrimitives.WriteInt16BigEndian(destination[offset..], _deltas[k]);
                offset += 2;
            }
        }

        // RFC 3550 §6.4.1 padding: zeros, the last byte counts them, P bit set (as libwebrtc sends it).
        var padding = (4 - (offset & 3)) & 3;
        if (offset + padding > destination.Length)
        {
            return -1;
        }

        destination.Slice(offset, padding).Clear();
        offset += padding;
        if (padding > 0)
        {
            destination[offset - 1] = (byte)padding;
        }

        RtcpHeader.Write(destination, RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.TransportCc, offset, padding > 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], baseSequence);
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], (ushort)statusCount);
        var reference = (uint)(referenceTime & 0xFFFFFF);
        destination[16] = (byte)(reference >> 16);
        destination[17] = (byte)(reference >> 8);
        destination[18] = (byte)reference;
        destination[19] = feedbackCount;
        return offset;
    }

    private void RemoveDuplicates()
    {
        var write = 1;
        for (var read = 1; read < _count; read++)
        {
            if (_sequences[read] != _sequences[write - 1])
            {
                _sequences[write] = _sequences[read];
                _arrivals[write] = _arrivals[read];
                write++;
            }
        }

        _count = write;
    }

    private void EnsureScratch(int statusCount)
    {
        if (_symbols.Length < statusCount)
        {
            // Grows only when a feedback spans more sequence numbers than ever before.
            var size = Math.Max(statusCount, _symbols.Length * 2);
            _symbols = new byte[size];
            _deltas = new short[size];
        }
    }

    private static long FloorDiv(long value, long divisor) =>
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor);
}
