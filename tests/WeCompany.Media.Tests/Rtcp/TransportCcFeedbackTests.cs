using WeCompany.Media.Rtcp;

namespace WeCompany.Media.Tests.Rtcp;

public sealed class TransportCcFeedbackTests
{
    private static RtcpPacket Single(ReadOnlySpan<byte> bytes)
    {
        var reader = new RtcpCompoundReader(bytes);
        Assert.True(reader.TryReadNext(out var packet));
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsMalformed);
        return packet;
    }

    [Fact]
    public void ThreeOfFourPacketsGiveTheHandComputedFeedback()
    {
        var builder = new TransportCcFeedbackBuilder();
        // Arrivals 640 ms, 641 ms, 643 ms; 102 is lost. Reference time 10 × 64 ms, deltas 0, 4, 8 × 250 µs.
        builder.Add(101, 641_000);
        builder.Add(100, 640_000);
        builder.Add(103, 643_000);
        var buffer = new byte[100];

        var length = builder.Build(buffer, 0x01020304, 0x0A0B0C0D, 5);

        Assert.Equal(
            "AFCD0006" + "01020304" + "0A0B0C0D" + "0064" + "0004" + "00000A" + "05" + "B400" + "000408" + "000003",
            Convert.ToHexString(buffer.AsSpan(0, length)));
        Assert.Equal(0, builder.Count);
    }

    [Fact]
    public void LargeAndNegativeDeltasUseTwoBitSymbols()
    {
        var builder = new TransportCcFeedbackBuilder();
        builder.Add(1, 1_000_000);
        builder.Add(2, 1_100_000); // +100 ms: 400 ticks, too big for a byte
        builder.Add(3, 1_099_000); // -1 ms: reordered arrival
        var buffer = new byte[100];
        var length = builder.Build(buffer, 1, 2, 0);
        var statuses = new TransportCcPacketStatus[3];
        Assert.Equal(3, TransportCcFeedback.ReadStatuses(Single(buffer.AsSpan(0, length)), statuses));
        Assert.Equal(new TransportCcPacketStatus(1, true, 1_000_000), statuses[0]);
        Assert.Equal(new TransportCcPacketStatus(2, true, 1_100_000), statuses[1]);
        Assert.Equal(new TransportCcPacketStatus(3, true, 1_099_000), statuses[2]);
    }

    [Fact]
    public void RandomArrivalsRoundTripThroughTheParser()
    {
        var random = new Random(17);
        var buffer = new byte[1500];
        var statuses = new TransportCcPacketStatus[70000];
        var builder = new TransportCcFeedbackBuilder(4096);
        for (var round = 0; round < 300; round++)
        {
            var expected = new Dictionary<ushort, long>();
            var sequence = (ushort)random.Next(65536);
            var time = random.NextInt64(0, 1L << 40);
            for (var i = random.Next(1, 400); i > 0; i--)
            {
                sequence = (ushort)(sequence + (random.Next(10) == 0 ? random.Next(2, 40) : 1));
                time += random.Next(10) == 0 ? random.Next(-5_000, 200_000) : random.Next(0, 3_000);
                expected.TryAdd(sequence, time);
                Assert.True(builder.Add(sequence, time));
            }

            var reported = new Dictionary<ushort, long>();
            while (builder.Count > 0)
            {
                var length = builder.Build(buffer, 1, 2, (byte)round);
                Assert.True(length > 0);
                var packet = Single(buffer.AsSpan(0, length));
                var count = TransportCcFeedback.ReadStatuses(packet, statuses);
                Assert.True(count > 0);
                foreach (var status in statuses.AsSpan(0, count))
                {
                    if (status.Received)
                    {
                        reported.Add(status.SequenceNumber, status.ArrivalTimeMicroseconds);
                    }
                }
            }

            Assert.Equal(expected.Count, reported.Count);
            foreach (var (seq, arrival) in expected)
            {
                // Times survive quantised to 250 µs; the 24-bit reference time wraps every ~12 days.
                var back = reported[seq];
                Assert.Equal(0, (arrival / 250 * 250 - back) % (64_000L << 24));
            }
        }
    }

    [Fact]
    public void SmallDestinationSplitsTheFeedbackIntoSeveralPackets()
    {
        var builder = new TransportCcFeedbackBuilder();
        for (ushort i = 0; i < 200; i++)
        {
            builder.Add((ushort)(i * 2), 10_000 + (i * 100_000L)); // every other packet lost, large deltas
        }

        var buffer = new byte[64];
        var packets = 0;
        while (builder.Count > 0)
        {
            var length = builder.Build(buffer, 1, 2, (byte)packets);
            Assert.InRange(length, 24, 64);
            packets++;
        }

        Assert.True(packets > 5);
    }

    [Fact]
    public void TruncatedFeedbackIsRefused()
    {
        var packet = Single(Hex.Bytes("8FCD0005 01020304 0A0B0C0D 0064 0004 00000A 05 B400 0004"));
        Assert.Equal(-1, TransportCcFeedback.ReadStatuses(packet, new TransportCcPacketStatus[4]));
    }
}
