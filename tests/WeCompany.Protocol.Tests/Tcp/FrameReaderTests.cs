using System.Buffers;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Protocol.Tests.Tcp;

public sealed class FrameReaderTests
{
    private static FrameReadStatus Read(byte[] bytes, out Frame frame, out FrameError error, int max = FrameFormat.DefaultMaxFrameBytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        return FrameReader.TryRead(ref buffer, max, out frame, out error);
    }

    [Theory]
    [InlineData("00000000")]
    [InlineData("000000020700")]
    public void LengthUnderTheHeaderIsFatal(string hex)
    {
        Assert.Equal(FrameReadStatus.Fatal, Read(Convert.FromHexString(hex), out _, out var error));
        Assert.Equal(FrameError.LengthTooSmall, error);
    }

    [Fact]
    public void LengthOverTheLimitIsRefusedFromTheFourLengthBytesAlone()
    {
        Assert.Equal(FrameReadStatus.Fatal, Read([0x00, 0x10, 0x00, 0x01], out _, out var error));
        Assert.Equal(FrameError.TooLarge, error);
    }

    [Fact]
    public void UserIdLengthPastTheFrameIsFatalBeforeTheBodyArrives()
    {
        Assert.Equal(FrameReadStatus.Fatal, Read(Convert.FromHexString("00000005000009"), out _, out var error));
        Assert.Equal(FrameError.UserIdOutOfRange, error);
    }

    [Fact]
    public void UserIdOver256BytesIsFatal()
    {
        var bytes = new byte[7 + 300];
        bytes[3] = 3 + 44;
        bytes[2] = 1; // length 256 + 47 = 303
        bytes[5] = 1;
        bytes[6] = 0x2c; // userIdLen 300
        Assert.Equal(FrameReadStatus.Fatal, Read(bytes, out _, out var error));
        Assert.Equal(FrameError.UserIdOutOfRange, error);
    }

    [Fact]
    public void UnknownTypeIsSkippedAndTheNextFrameStillDecodes()
    {
        var buffer = new ReadOnlySequence<byte>(Convert.FromHexString("000000032a0000" + "00000003070000"));
        Assert.Equal(FrameReadStatus.Skipped, FrameReader.TryRead(ref buffer, 1024, out _, out var error));
        Assert.Equal(FrameError.UnknownType, error);
        Assert.Equal(FrameReadStatus.Complete, FrameReader.TryRead(ref buffer, 1024, out var frame, out _));
        Assert.Equal(FrameType.Heartbeat, frame.Type);
    }

    [Fact]
    public void InvalidUtf8UserIdIsSkipped()
    {
        Assert.Equal(FrameReadStatus.Skipped, Read(Convert.FromHexString("0000000500000 2c328".Replace(" ", "", StringComparison.Ordinal)), out _, out var error));
        Assert.Equal(FrameError.UserIdNotUtf8, error);
    }

    [Fact]
    public void EveryPrefixOfAFrameIsIncompleteAndLeavesTheBufferAlone()
    {
        var whole = DocumentVectors.Get("media").Bytes;
        for (var n = 0; n < whole.Length; n++)
        {
            var buffer = new ReadOnlySequence<byte>(whole[..n]);
            Assert.Equal(FrameReadStatus.Incomplete, FrameReader.TryRead(ref buffer, 1024, out _, out _));
            Assert.Equal(n, buffer.Length);
        }
    }

    [Fact]
    public void AFrameSplitIntoOneByteSegmentsDecodes()
    {
        var whole = DocumentVectors.Get("call-ringing").Bytes;
        var buffer = OneByteSegments(whole);
        Assert.Equal(FrameReadStatus.Complete, FrameReader.TryRead(ref buffer, 1024, out var frame, out _));
        Assert.Equal(FrameType.CallRequest, frame.Type);
        Assert.Equal("7", frame.UserIdString());
        Assert.Equal(DocumentVectors.Data("call-ringing"), frame.Data.ToArray());
    }

    [Fact]
    public void AThousandFramesInOneBufferAllDecode()
    {
        var one = DocumentVectors.Get("text-request").Bytes;
        var many = Enumerable.Repeat(one, 1000).SelectMany(b => b).ToArray();
        var buffer = new ReadOnlySequence<byte>(many);
        var count = 0;
        while (FrameReader.TryRead(ref buffer, 1024, out var frame, out _) == FrameReadStatus.Complete)
        {
            Assert.Equal(FrameType.Text, frame.Type);
            count++;
        }
        Assert.Equal(1000, count);
    }

    [Fact]
    public void UserIdsParseOnlyAsPositiveDecimals()
    {
        Assert.True(FrameText.TryParseUserId(new ReadOnlySequence<byte>("42"u8.ToArray()), out var id));
        Assert.Equal(42, id);
        foreach (var bad in new[] { "", "0", "-1", "+1", "4a", "99999999999999999999", " 1" })
        {
            Assert.False(FrameText.TryParseUserId(new ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes(bad)), out _));
        }
    }

    [Fact]
    public void MediaPayloadSplitsCallIdAndMedia()
    {
        var data = new ReadOnlySequence<byte>(DocumentVectors.Data("media"));
        Assert.True(MediaPayload.TrySplit(data, out var callId, out var media));
        Assert.Equal("Xy12"u8.ToArray(), callId.ToArray());
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, media.ToArray());
        Assert.False(MediaPayload.TrySplit(new ReadOnlySequence<byte>([9, 1, 2]), out _, out _));
        Assert.False(MediaPayload.TrySplit(new ReadOnlySequence<byte>([0, 1, 2]), out _, out _));
    }

    internal static ReadOnlySequence<byte> OneByteSegments(byte[] bytes)
    {
        var first = new Segment(bytes.AsMemory(0, 1), 0);
        var last = first;
        for (var i = 1; i < bytes.Length; i++)
        {
            last = last.Append(bytes.AsMemory(i, 1));
        }
        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
