using System.Buffers;
using System.Diagnostics;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Protocol.Tests.Tcp;

public sealed class FrameReaderRobustnessTests
{
    [Fact]
    public void MutatedStreamsNeverThrowAndNeverOverConsume()
    {
        // Seeded, time-boxed mutation of documented frames (no .NET fuzzer is installable here).
        var random = new Random(20261122);
        var seeds = DocumentVectors.All.Value.Select(v => v.Bytes).ToArray();
        var clock = Stopwatch.StartNew();
        var cases = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(2) || cases < 10_000)
        {
            var bytes = seeds[random.Next(seeds.Length)].Concat(seeds[random.Next(seeds.Length)]).ToArray();
            for (var m = random.Next(1, 6); m > 0; m--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            var buffer = new ReadOnlySequence<byte>(bytes);
            var before = buffer.Length;
            while (true)
            {
                var status = FrameReader.TryRead(ref buffer, 1024, out var frame, out _);
                if (status is FrameReadStatus.Incomplete or FrameReadStatus.Fatal)
                {
                    Assert.True(buffer.Length <= before);
                    break;
                }
                Assert.True(frame.UserId.Length <= FrameFormat.MaxUserIdBytes);
                Assert.True(buffer.Length < before);
                before = buffer.Length;
            }
            cases++;
        }
    }

    [Fact]
    public void DecodingAThousandFramesAllocatesNothing()
    {
        var one = DocumentVectors.Get("media").Bytes;
        var many = new ReadOnlySequence<byte>(Enumerable.Repeat(one, 1000).SelectMany(b => b).ToArray());
        Decode(many); // Warm up (JIT).

        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = Decode(many);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1000, count);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void EncodingIntoAReusedWriterAllocatesNothing()
    {
        var writer = new ArrayBufferWriter<byte>(64 * 1024);
        var media = new byte[1024];
        FrameWriter.Write(writer, FrameType.MediaData, "7"u8, media);
        writer.ResetWrittenCount();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50; i++)
        {
            FrameWriter.Write(writer, FrameType.MediaData, "7"u8, media);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static int Decode(ReadOnlySequence<byte> buffer)
    {
        var count = 0;
        while (FrameReader.TryRead(ref buffer, 1 << 20, out var frame, out _) == FrameReadStatus.Complete
            && MediaPayload.TrySplit(frame.Data, out _, out _))
        {
            count++;
        }
        return count;
    }
}
