using System.Buffers;
using WeCompany.Server.Calls;

namespace WeCompany.Server.Tests.Calls;

public sealed class OutgoingQueueTests
{
    private static OutgoingFrame Frame(byte tag, int length, bool media)
    {
        var buffer = FrameBuffers.Rent(length);
        buffer[0] = tag;
        return new OutgoingFrame(buffer, length, media);
    }

    private static List<byte> Drain(OutgoingQueue queue)
    {
        var tags = new List<byte>();
        while (queue.TryDequeue(out var frame))
        {
            tags.Add(frame.Buffer[0]);
            FrameBuffers.Return(frame.Buffer);
        }
        return tags;
    }

    [Fact]
    public void WhenFullTheOldestMediaIsDroppedAndControlFramesStayInOrder()
    {
        var queue = new OutgoingQueue(maxBytes: 400, maxFrames: 100);
        Assert.Equal(EnqueueResult.Queued, queue.Enqueue(Frame(1, 100, media: false), out _));
        Assert.Equal(EnqueueResult.Queued, queue.Enqueue(Frame(2, 100, media: true), out _));
        Assert.Equal(EnqueueResult.Queued, queue.Enqueue(Frame(3, 100, media: true), out _));
        Assert.Equal(EnqueueResult.Queued, queue.Enqueue(Frame(4, 100, media: false), out _));

        Assert.Equal(EnqueueResult.QueuedAfterDroppingMedia, queue.Enqueue(Frame(5, 100, media: true), out var dropped));

        Assert.Equal(1, dropped);
        Assert.Equal([1, 3, 4, 5], Drain(queue));
    }

    [Fact]
    public void AControlFrameThatCannotFitEvenWithoutMediaOverflows()
    {
        var queue = new OutgoingQueue(maxBytes: 300, maxFrames: 100);
        queue.Enqueue(Frame(1, 100, media: false), out _);
        queue.Enqueue(Frame(2, 100, media: true), out _);
        queue.Enqueue(Frame(3, 100, media: false), out _);

        Assert.Equal(EnqueueResult.QueuedAfterDroppingMedia, queue.Enqueue(Frame(4, 100, media: false), out var dropped));
        Assert.Equal(1, dropped);
        var refused = Frame(5, 100, media: false);
        Assert.Equal(EnqueueResult.Overflow, queue.Enqueue(refused, out _));
        FrameBuffers.Return(refused.Buffer);
        Assert.Equal([1, 3, 4], Drain(queue));
    }

    [Fact]
    public void MediaThatCannotFitAmongControlFramesIsDroppedNotQueued()
    {
        var queue = new OutgoingQueue(maxBytes: 200, maxFrames: 100);
        queue.Enqueue(Frame(1, 100, media: false), out _);
        queue.Enqueue(Frame(2, 100, media: false), out _);
        var media = Frame(3, 100, media: true);
        Assert.Equal(EnqueueResult.DroppedMedia, queue.Enqueue(media, out _));
        FrameBuffers.Return(media.Buffer);
        Assert.Equal([1, 2], Drain(queue));
    }

    [Fact]
    public void TheFrameCountIsBoundedToo()
    {
        var queue = new OutgoingQueue(maxBytes: 1 << 20, maxFrames: 3);
        for (byte i = 1; i <= 5; i++)
        {
            queue.Enqueue(Frame(i, 10, media: true), out _);
        }
        Assert.Equal([3, 4, 5], Drain(queue));
    }

    [Fact]
    public void AClosedQueueRefusesFrames()
    {
        var queue = new OutgoingQueue(maxBytes: 1000, maxFrames: 10);
        queue.Enqueue(Frame(1, 10, media: false), out _);
        queue.Close();
        var late = Frame(2, 10, media: false);
        Assert.Equal(EnqueueResult.Closed, queue.Enqueue(late, out _));
        FrameBuffers.Return(late.Buffer);
        Assert.Empty(Drain(queue));
    }
}
