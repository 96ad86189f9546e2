using WeCompany.Media.Rtcp;

namespace WeCompany.Media.Tests.Rtcp;

public sealed class RtcpPacketTests
{
    // SR with one report block, then SDES (CNAME "ab"), then BYE with reason "bye".
    private static readonly byte[] Compound = Hex.Bytes("""
        81 c8 00 0c
        11 22 33 44
        e8 9a 2b 3c 40 00 00 00
        00 01 e2 40
        00 00 00 64
        00 00 27 10
        55 66 77 88 19 ff ff fe 00 01 00 10 00 00 00 20 2b 3c 40 00 00 01 80 00
        81 ca 00 03
        11 22 33 44 01 02 61 62 00 00 00 00
        81 cb 00 02
        11 22 33 44 03 62 79 65
        """);

    [Fact]
    public void CompoundPacketIsIteratedAndTheSenderReportRead()
    {
        var reader = new RtcpCompoundReader(Compound);
        Assert.True(reader.TryReadNext(out var first));
        Assert.True(SenderReport.TryRead(first, out var report));
        Assert.Equal(0x11223344u, report.SenderSsrc);
        Assert.Equal(0xe89a2b3c40000000ul, report.NtpTimestamp);
        Assert.Equal(123456u, report.RtpTimestamp);
        Assert.Equal(100u, report.PacketCount);
        Assert.Equal(10000u, report.OctetCount);
        Assert.Equal(1, report.ReportCount);
        var block = report.GetReportBlock(0);
        Assert.Equal(new ReportBlock(0x55667788, 0x19, -2, 0x00010010, 0x20, 0x2b3c4000, 0x00018000), block);

        Assert.True(reader.TryReadNext(out var sdes));
        Assert.Equal(RtcpPacketType.SourceDescription, sdes.PacketType);
        Assert.True(reader.TryReadNext(out var byePacket));
        Assert.True(ByePacket.TryRead(byePacket, out var bye));
        Assert.Equal(1, bye.SourceCount);
        Assert.Equal(0x11223344u, bye.GetSource(0));
        Assert.Equal("bye"u8.ToArray(), bye.Reason.ToArray());
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsMalformed);
    }

    [Fact]
    public void SenderReportIsRebuiltByteForByte()
    {
        var buffer = new byte[64];
        var block = new ReportBlock(0x55667788, 0x19, -2, 0x00010010, 0x20, 0x2b3c4000, 0x00018000);
        var length = SenderReport.Write(buffer, 0x11223344, 0xe89a2b3c40000000, 123456, 100, 10000, [block]);
        Assert.Equal(Convert.ToHexString(Compound.AsSpan(0, 52)), Convert.ToHexString(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void SdesCnameFromTheCompoundIsReadAndRebuilt()
    {
        var reader = new RtcpCompoundReader(Compound);
        Assert.True(reader.TryReadNext(out _));
        Assert.True(reader.TryReadNext(out var sdes));
        Assert.True(SourceDescription.TryReadFirstCname(sdes, out var ssrc, out var cname));
        Assert.Equal(0x11223344u, ssrc);
        Assert.Equal("ab"u8.ToArray(), cname.ToArray());

        var buffer = new byte[64];
        var length = SourceDescription.WriteCname(buffer, 0x11223344, "ab"u8);
        Assert.Equal(Convert.ToHexString(Compound.AsSpan(52, 16)), Convert.ToHexString(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void SdesCnameOfEveryLengthEndsWithANullAndAWholeWord()
    {
        var buffer = new byte[300];
        for (var size = 0; size < 256; size++)
        {
            var cname = Enumerable.Repeat((byte)'x', size).ToArray();
            var length = SourceDescription.WriteCname(buffer, 7, cname);
            Assert.Equal(0, length % 4);
            Assert.True(RtcpCompoundReader.IsWellFormed(buffer.AsSpan(0, length)));
            var reader = new RtcpCompoundReader(buffer.AsSpan(0, length));
            Assert.True(reader.TryReadNext(out var packet));
            Assert.True(SourceDescription.TryReadFirstCname(packet, out _, out var read));
            Assert.Equal(size, read.Length);
            Assert.Equal(0, buffer[10 + size]);
        }
    }

    [Fact]
    public void ReceiverReportRoundTrips()
    {
        var buffer = new byte[128];
        ReportBlock[] blocks =
        [
            new(1, 0, 0, 65536, 3, 4, 5),
            new(2, 255, -8_388_608, uint.MaxValue, 0, 0, 0),
        ];
        var length = ReceiverReport.Write(buffer, 0xAABBCCDD, blocks);
        Assert.Equal(56, length);
        var reader = new RtcpCompoundReader(buffer.AsSpan(0, length));
        Assert.True(reader.TryReadNext(out var packet));
        Assert.True(ReceiverReport.TryRead(packet, out var report));
        Assert.Equal(0xAABBCCDDu, report.SenderSsrc);
        Assert.Equal(blocks[0], report.GetReportBlock(0));
        Assert.Equal(blocks[1], report.GetReportBlock(1));
    }

    [Fact]
    public void ReportCountPastThePacketIsRefused()
    {
        // RR claiming 3 blocks in a packet that holds none.
        var reader = new RtcpCompoundReader(Hex.Bytes("83 c9 00 01 00 00 00 01"));
        Assert.True(reader.TryReadNext(out var packet));
        Assert.False(ReceiverReport.TryRead(packet, out _));
    }

    [Fact]
    public void LengthPastTheBufferStopsTheCompoundAsMalformed()
    {
        var broken = (byte[])Compound.Clone();
        broken[^9] = 0x09; // BYE says 10 words
        var reader = new RtcpCompoundReader(broken);
        var count = 0;
        while (reader.TryReadNext(out _))
        {
            count++;
        }

        Assert.Equal(2, count);
        Assert.True(reader.IsMalformed);
        Assert.False(RtcpCompoundReader.IsWellFormed(broken));
        Assert.True(RtcpCompoundReader.IsWellFormed(Compound));
    }

    [Fact]
    public void WrongVersionAndBadPaddingAreMalformed()
    {
        Assert.False(RtcpCompoundReader.IsWellFormed(Hex.Bytes("41 c9 00 01 00 00 00 01")));
        Assert.False(RtcpCompoundReader.IsWellFormed(Hex.Bytes("a0 c9 00 01 00 00 00 09")));
        Assert.False(RtcpCompoundReader.IsWellFormed(Hex.Bytes("80 c9 00")));
        Assert.False(RtcpCompoundReader.IsWellFormed([]));
    }

    [Fact]
    public void ByeWithReasonPastThePacketIsRefused()
    {
        var reader = new RtcpCompoundReader(Hex.Bytes("81 cb 00 02 11 22 33 44 09 62 79 65"));
        Assert.True(reader.TryReadNext(out var packet));
        Assert.False(ByePacket.TryRead(packet, out _));
    }

    [Fact]
    public void RandomMutationsNeverThrow()
    {
        var random = new Random(11);
        Span<ushort> lost = stackalloc ushort[64];
        for (var round = 0; round < 20_000; round++)
        {
            var bytes = (byte[])Compound.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var reader = new RtcpCompoundReader(bytes);
            while (reader.TryReadNext(out var packet))
            {
                if (SenderReport.TryRead(packet, out var sr))
                {
                    for (var i = 0; i < sr.ReportCount; i++)
                    {
                        sr.GetReportBlock(i);
                    }
                }

                if (ByePacket.TryRead(packet, out var bye))
                {
                    for (var i = 0; i < bye.SourceCount; i++)
                    {
                        bye.GetSource(i);
                    }
                }

                RtcpFeedback.ReadNackSequenceNumbers(packet, lost);
                RtcpFeedback.TryReadRemb(packet, out _, out _);
            }
        }
    }
}
