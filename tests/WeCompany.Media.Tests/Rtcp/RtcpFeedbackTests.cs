using WeCompany.Media.Rtcp;

namespace WeCompany.Media.Tests.Rtcp;

public sealed class RtcpFeedbackTests
{
    private static RtcpPacket Single(ReadOnlySpan<byte> bytes)
    {
        var reader = new RtcpCompoundReader(bytes);
        Assert.True(reader.TryReadNext(out var packet));
        return packet;
    }

    [Fact]
    public void PictureLossIndicationHasTheRfcLayout()
    {
        var buffer = new byte[12];
        Assert.Equal(12, RtcpFeedback.WritePictureLossIndication(buffer, 1, 0x0A0B0C0D));
        Assert.Equal("81CE0002000000010A0B0C0D", Convert.ToHexString(buffer));
        var packet = Single(buffer);
        Assert.True(RtcpFeedback.IsPictureLossIndication(packet));
        Assert.True(RtcpFeedback.TryGetMediaSsrc(packet, out var media));
        Assert.Equal(0x0A0B0C0Du, media);
    }

    [Fact]
    public void FullIntraRequestNamesTheSourceInItsFci()
    {
        var buffer = new byte[20];
        Assert.Equal(20, RtcpFeedback.WriteFullIntraRequest(buffer, 1, 0x0A0B0C0D, 7));
        Assert.Equal("84CE00040000000100000000" + "0A0B0C0D07000000", Convert.ToHexString(buffer));
        var packet = Single(buffer);
        Assert.True(RtcpFeedback.TryGetFullIntraRequest(packet, 0, out var ssrc, out var sequence));
        Assert.Equal((0x0A0B0C0Du, (byte)7), (ssrc, sequence));
        Assert.False(RtcpFeedback.TryGetFullIntraRequest(packet, 1, out _, out _));
    }

    [Fact]
    public void GenericNackFromHandBuiltBytesListsTheLostPackets()
    {
        // PID 100, BLP 0b101 → 100, 101, 103; PID 65535, BLP bit 0 → 65535, 0.
        var packet = Single(Hex.Bytes("81 cd 00 04 00 00 00 01 00 00 00 02 00 64 00 05 ff ff 00 01"));
        Assert.Equal(2, RtcpFeedback.GetNackItemCount(packet));
        Span<ushort> lost = stackalloc ushort[40];
        var count = RtcpFeedback.ReadNackSequenceNumbers(packet, lost);
        Assert.Equal(new ushort[] { 100, 101, 103, 65535, 0 }, lost[..count].ToArray());
    }

    [Fact]
    public void GenericNackRoundTripsForRandomLossPatterns()
    {
        var random = new Random(3);
        var buffer = new byte[1200];
        Span<ushort> read = stackalloc ushort[600];
        for (var round = 0; round < 2_000; round++)
        {
            var start = (ushort)random.Next(65536);
            var lost = new List<ushort>();
            var sequence = start;
            for (var i = random.Next(1, 80); i > 0; i--)
            {
                sequence = (ushort)(sequence + random.Next(1, 30));
                lost.Add(sequence);
            }

            var length = RtcpFeedback.WriteNack(buffer, 9, 10, lost.ToArray());
            Assert.True(length > 0);
            var packet = Single(buffer.AsSpan(0, length));
            var count = RtcpFeedback.ReadNackSequenceNumbers(packet, read);
            Assert.Equal(lost, read[..count].ToArray());
        }
    }

    [Fact]
    public void NackThatDoesNotFitIsNotWritten()
    {
        Assert.Equal(0, RtcpFeedback.WriteNack(new byte[16], 1, 2, [1, 100]));
        Assert.Equal(0, RtcpFeedback.WriteNack(new byte[64], 1, 2, []));
    }

    [Fact]
    public void RembEncodesTheBitrateAsExponentAndMantissa()
    {
        var buffer = new byte[32];
        // 1,000,000 bit/s: mantissa 250000 (18 bits), exponent 2.
        var length = RtcpFeedback.WriteRemb(buffer, 0x01020304, 1_000_000, [0xAABBCCDD]);
        Assert.Equal(24, length);
        Assert.Equal("8FCE0005" + "01020304" + "00000000" + "52454D42" + "010BD090" + "AABBCCDD", Convert.ToHexString(buffer.AsSpan(0, length)));
        var packet = Single(buffer.AsSpan(0, length));
        Assert.True(RtcpFeedback.TryReadRemb(packet, out var bitrate, out var ssrcs));
        Assert.Equal(1_000_000ul, bitrate);
        Assert.Equal(1, ssrcs);
        Assert.Equal(0xAABBCCDDu, RtcpFeedback.GetRembSsrc(packet, 0));
    }

    [Fact]
    public void RembLosesOnlyLowBitsForLargeRates()
    {
        var buffer = new byte[32];
        var length = RtcpFeedback.WriteRemb(buffer, 1, 123_456_789, [5, 6]);
        Assert.True(RtcpFeedback.TryReadRemb(Single(buffer.AsSpan(0, length)), out var bitrate, out var count));
        Assert.Equal(2, count);
        Assert.InRange(bitrate, 123_456_789ul - 512, 123_456_789ul);
    }
}
