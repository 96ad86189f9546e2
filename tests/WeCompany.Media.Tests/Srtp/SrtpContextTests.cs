using WeCompany.Media.Srtp;

namespace WeCompany.Media.Tests.Srtp;

public sealed class SrtpContextTests
{
    [Theory]
    // RFC 3711 Appendix A: s_l below 32768 — a sequence number far above belongs to the previous ROC.
    [InlineData(0x0001_0010UL, (ushort)0x0011, 0x0001_0011UL)]
    [InlineData(0x0001_0010UL, (ushort)0xFFF0, 0x0000_FFF0UL)]
    // s_l at or above 32768 — a sequence number far below means the counter wrapped.
    [InlineData(0x0001_FFF0UL, (ushort)0x0005, 0x0002_0005UL)]
    [InlineData(0x0001_FFF0UL, (ushort)0xFFE0, 0x0001_FFE0UL)]
    // ROC 0 has no previous rollover to fall back to.
    [InlineData(0x0000_0010UL, (ushort)0xFFF0, 0x0000_FFF0UL)]
    public void TheIndexEstimateFollowsAppendixA(ulong highest, ushort sequence, ulong expected)
    {
        Assert.Equal(expected, SrtpContext.EstimateIndex(hasHighest: true, highest, sequence));
    }

    [Fact]
    public void TheFirstPacketStartsAtRolloverZero()
    {
        var context = new SrtpContext(1);

        Assert.Equal(0xABCDUL, context.EstimateIndex(0xABCD));
    }

    [Fact]
    public void SrtcpIndicesCountFromZeroAndWrapAt31Bits()
    {
        var context = new SrtpContext(1);

        Assert.Equal(0u, context.TakeRtcpIndex());
        Assert.Equal(1u, context.TakeRtcpIndex());
    }

    [Fact]
    public void TheReplayWindowRemembersSixtyFourPackets()
    {
        var window = new ReplayWindow();
        window.Accept(1000);

        Assert.Equal(SrtpResult.ReplayDuplicate, window.Check(1000));
        Assert.Equal(SrtpResult.Ok, window.Check(1000 - 63));
        Assert.Equal(SrtpResult.ReplayTooOld, window.Check(1000 - 64));
        window.Accept(1000 - 63);
        Assert.Equal(SrtpResult.ReplayDuplicate, window.Check(1000 - 63));
        window.Accept(2000);
        Assert.Equal(SrtpResult.ReplayTooOld, window.Check(1000));
        Assert.Equal(SrtpResult.Ok, window.Check(1999));
    }
}
