using System.Buffers;

namespace WeCompany.Server.Calls;

/// <summary>What happened to a frame offered to an <see cref="OutgoingQueue"/>.</summary>
internal enum EnqueueResult
{
    Queued,
    /// <summary>Media that did not fit (or an older media frame made room for it): counted, not an error.</summary>
    QueuedAfterDroppingMedia,
    DroppedMedia,
    /// <summary>A control frame does not fit even with every media frame dropped: the receiver is too slow.</summary>
    Overflow,
    Closed,
}

/// <summary>One encoded frame in a pooled buffer.</summary>
internal readonly record struct OutgoingFrame(byte[] Buffer, int Length, bool IsMedia);

/// <summary>
/// A connection's bounded outgoing queue. Media is real-time: when full, the oldest media frames are dropped
/// (and returned to the pool) to make room; control frames are never dropped — when one cannot fit, the
/// offer fails with <see cref="EnqueueResult.Overflow"/> and the owner disconnects the receiver. Many producers
/// (other connections' read loops), one consumer (this connection's write loop); a lock guards the ring.
/// </summary>
internal sealed class OutgoingQueue(int maxBytes, int maxFrames)
{
    private readonly Lock _lock = new();
    private OutgoingFrame[] _ring = new OutgoingFrame[4];
    private int _head;
    private int _count;
    private long _bytes;
    private bool _closed;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Offers a frame; on any result other than Queued* the caller still owns (and returns) the buffer.</summary>
    public EnqueueResult Enqueue(OutgoingFrame frame, out int droppedMedia)
    {
        droppedMedia = 0;
        lock (_lock)
        {
            if (_closed)
            {
                return EnqueueResult.Closed;
            }
            while (_bytes + frame.Length > maxBytes || _count + 1 > maxFrames)
            {
                if (!DropOldestMedia())
                {
                    return frame.IsMedia ? EnqueueResult.DroppedMedia : EnqueueResult.Overflow;
                }
                droppedMedia++;
            }
            if (_count == _ring.Length)
            {
                Grow();
            }
            _ring[(_head + _count) % _ring.Length] = frame;
            _count++;
            _bytes += frame.Length;
            return droppedMedia == 0 ? EnqueueResult.Queued : EnqueueResult.QueuedAfterDroppingMedia;
        }
    }

    public bool TryDequeue(out OutgoingFrame frame)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                frame = default;
                return false;
            }
            frame = _ring[_head];
            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
            _count--;
            _bytes -= frame.Length;
            return true;
        }
    }

    /// <summary>Refuses further frames and returns every queued buffer to the pool.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            while (_count > 0)
            {
                FrameBuffers.Return(_ring[_head].Buffer);
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
            }
            _bytes = 0;
        }
    }

    // Finds the oldest media frame and closes the gap by moving the (control) frames before it one step on.
    private bool DropOldestMedia()
    {
        for (var i = 0; i < _count; i++)
        {
            var index = (_head + i) % _ring.Length;
            if (!_ring[index].IsMedia)
            {
                continue;
            }
            var dropped = _ring[index];
            for (var j = i; j > 0; j--)
            {
                _ring[(_head + j) % _ring.Length] = _ring[(_head + j - 1) % _ring.Length];
            }
            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
            _count--;
            _bytes -= dropped.Length;
            FrameBuffers.Return(dropped.Buffer);
            return true;
        }
        return false;
    }

    private void Grow()
    {
        var larger = new OutgoingFrame[_ring.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            larger[i] = _ring[(_head + i) % _ring.Length];
        }
        _ring = larger;
        _head = 0;
    }
}
