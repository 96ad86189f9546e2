using System.Buffers;
using WeCompany.Media.Ice;

namespace WeCompany.Media.Tests.Ice;

public sealed class IceTcpFramingTests
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data) => Memory = data;

        public Segment Append(byte[] data)
        {
            var next = new Segment(data) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }

    [Fact]
    public void WrittenFramesReadBackInOrder()
    {
        var stream = new byte[64];
        Assert.True(IceTcpFraming.TryWriteFrame(new byte[] { 1, 2, 3 }, stream, out var first));
        Assert.True(IceTcpFraming.TryWriteFrame(new byte[] { 9 }, stream.AsSpan(first), out var second));
        Assert.Equal(new byte[] { 0, 3, 1, 2, 3, 0, 1, 9 }, stream.AsSpan(0, first + second).ToArray());

        ReadOnlySpan<byte> rest = stream.AsSpan(0, first + second);
        Assert.True(IceTcpFraming.TryReadFrame(rest, out var packet, out var consumed));
        Assert.Equal(new byte[] { 1, 2, 3 }, packet.ToArray());
        rest = rest[consumed..];
        Assert.True(IceTcpFraming.TryReadFrame(rest, out packet, out consumed));
        Assert.Equal(new byte[] { 9 }, packet.ToArray());
        Assert.True(rest[consumed..].IsEmpty);
    }

    [Fact]
    public void FrameSplitAcrossSegmentsWaitsForItsLastByte()
    {
        var head = new Segment([0x00]);
        var middle = head.Append([0x04, 0xAA, 0xBB]);
        var tail = middle.Append([0xCC, 0xDD, 0x00]);
        var incomplete = new ReadOnlySequence<byte>(head, 0, middle, 3);
        Assert.False(IceTcpFraming.TryReadFrame(ref incomplete, out _));
        Assert.Equal(4, incomplete.Length);

        var buffer = new ReadOnlySequence<byte>(head, 0, tail, 3);
        Assert.True(IceTcpFraming.TryReadFrame(ref buffer, out var packet));
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC, 0xDD }, packet.ToArray());
        Assert.Equal(1, buffer.Length); // the next frame's first length byte stays
    }

    [Fact]
    public void OversizedPacketOrSmallDestinationIsRefused()
    {
        Assert.False(IceTcpFraming.TryWriteFrame(new byte[70000], new byte[70010], out _));
        Assert.False(IceTcpFraming.TryWriteFrame(new byte[10], new byte[11], out _));
    }

    [Fact]
    public void HeaderWrittenInFrontOfAPacketInPlace()
    {
        var buffer = new byte[] { 0, 0, 5, 6, 7 };
        IceTcpFraming.WriteHeader(buffer, 3);
        Assert.True(IceTcpFraming.TryReadFrame(buffer, out var packet, out _));
        Assert.Equal(new byte[] { 5, 6, 7 }, packet.ToArray());
    }
}
