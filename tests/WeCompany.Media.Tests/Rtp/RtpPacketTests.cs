using WeCompany.Media.Rtp;

namespace WeCompany.Media.Tests.Rtp;

public sealed class RtpPacketTests
{
    // V=2 X=1 CC=1, M=1 PT=111, seq 0x1234, ts 0xDEADBEEF, ssrc 0x11223344, csrc 0xCAFEBABE,
    // one-byte extension (0xBEDE, 3 words): id 1 audio level (V + 42), id 3 abs-send-time, id 5 transport seq 0x0102, padding.
    private static byte[] OneByteSample() => Hex.Bytes("""
        91 ef 12 34 de ad be ef 11 22 33 44 ca fe ba be
        be de 00 03
        10 aa 32 01 02 03 51 01 02 00 00 00
        01 02 03 04 05
        """);

    // Two-byte extension profile 0x1000: id 20 len 3, padding, id 1 len 0.
    private static byte[] TwoByteSample() => Hex.Bytes("""
        90 60 00 01 00 00 00 10 00 00 00 20
        10 00 00 02
        14 03 aa bb cc 00 01 00
        ff
        """);

    [Fact]
    public void FixedHeaderFieldsAreRead()
    {
        Assert.True(RtpPacket.TryParse(OneByteSample(), out var packet));
        Assert.Equal(2, packet.Version);
        Assert.True(packet.Marker);
        Assert.Equal(111, packet.PayloadType);
        Assert.Equal(0x1234, packet.SequenceNumber);
        Assert.Equal(0xDEADBEEFu, packet.Timestamp);
        Assert.Equal(0x11223344u, packet.Ssrc);
        Assert.Equal(1, packet.CsrcCount);
        Assert.Equal(0xCAFEBABEu, packet.GetCsrc(0));
        Assert.Equal(RtpPacket.OneByteProfile, packet.ExtensionProfile);
        Assert.Equal(32, packet.HeaderLength);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, packet.Payload.ToArray());
    }

    [Fact]
    public void OneByteExtensionsGiveAudioLevelAbsSendTimeAndTransportSequence()
    {
        Assert.True(RtpPacket.TryParse(OneByteSample(), out var packet));
        Assert.True(packet.TryGetAudioLevel(1, out var voice, out var level));
        Assert.True(voice);
        Assert.Equal(42, level);
        Assert.True(packet.TryGetAbsSendTime(3, out var absSendTime));
        Assert.Equal(0x010203u, absSendTime);
        Assert.True(packet.TryGetTransportSequenceNumber(5, out var transportSequence));
        Assert.Equal(0x0102, transportSequence);
        Assert.False(packet.TryGetExtension(7, out _));
    }

    [Fact]
    public void TwoByteExtensionsAreFound()
    {
        Assert.True(RtpPacket.TryParse(TwoByteSample(), out var packet));
        Assert.True(packet.TryGetExtension(20, out var value));
        Assert.Equal(new byte[] { 0xaa, 0xbb, 0xcc }, value.ToArray());
        Assert.True(packet.TryGetExtension(1, out var empty));
        Assert.True(empty.IsEmpty);
        Assert.Equal(new byte[] { 0xff }, packet.Payload.ToArray());
    }

    [Fact]
    public void HeaderFieldsAreRewrittenInPlaceKeepingTheMarker()
    {
        var bytes = OneByteSample();
        Assert.True(RtpPacket.TryParse(bytes, out var packet));
        packet.Ssrc = 0xA1B2C3D4;
        packet.SequenceNumber = 65535;
        packet.Timestamp = 7;
        packet.PayloadType = 96;

        Assert.True(RtpPacket.TryParse(bytes, out var reread));
        Assert.Equal(0xA1B2C3D4u, reread.Ssrc);
        Assert.Equal(65535, reread.SequenceNumber);
        Assert.Equal(7u, reread.Timestamp);
        Assert.Equal(96, reread.PayloadType);
        Assert.True(reread.Marker);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, reread.Payload.ToArray());
    }

    [Fact]
    public void TransportSequenceNumberIsRewrittenInPlace()
    {
        var bytes = OneByteSample();
        Assert.True(RtpPacket.TryParse(bytes, out var packet));
        Assert.True(packet.TrySetTransportSequenceNumber(5, 0xBEEF));
        Assert.True(packet.TryGetTransportSequenceNumber(5, out var value));
        Assert.Equal(0xBEEF, value);
        Assert.False(packet.TryRewriteExtension(3, new byte[] { 1 })); // wrong length refused
        Assert.True(packet.TryGetAudioLevel(1, out _, out var level));
        Assert.Equal(42, level); // neighbours untouched
    }

    [Fact]
    public void HugeCsrcCountIsRefused()
    {
        var bytes = Hex.Bytes("8f 60 00 01 00 00 00 01 00 00 00 02 00 00 00 03");
        Assert.False(RtpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void ExtensionLengthPastThePacketIsRefused()
    {
        var bytes = OneByteSample();
        bytes[19] = 0x40; // 64 words
        Assert.False(RtpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void ExtensionElementPastItsBlockIsRefused()
    {
        var bytes = Hex.Bytes("90 60 00 01 00 00 00 01 00 00 00 02 be de 00 01 1f 00 00 00");
        Assert.False(RtpPacket.TryParse(bytes, out _)); // id 1 claims 16 bytes in a 4-byte block
    }

    [Fact]
    public void PaddingLargerThanThePayloadIsRefused()
    {
        var bytes = Hex.Bytes("a0 60 00 01 00 00 00 01 00 00 00 02 01 02 09");
        Assert.False(RtpPacket.TryParse(bytes, out _));
        var valid = Hex.Bytes("a0 60 00 01 00 00 00 01 00 00 00 02 01 00 02");
        Assert.True(RtpPacket.TryParse(valid, out var packet));
        Assert.Equal(new byte[] { 1 }, packet.Payload.ToArray());
    }

    [Fact]
    public void OtherVersionsAndShortPacketsAreRefused()
    {
        Assert.False(RtpPacket.TryParse(Hex.Bytes("40 60 00 01 00 00 00 01 00 00 00 02"), out _));
        Assert.False(RtpPacket.TryParse(Hex.Bytes("80 60 00 01 00 00 00 01 00 00 00"), out _));
    }

    [Fact]
    public void EveryTruncationIsRefusedOrStaysInsideTheBuffer()
    {
        var sample = OneByteSample();
        for (var length = 0; length <= sample.Length; length++)
        {
            var bytes = sample.AsSpan(0, length).ToArray();
            if (RtpPacket.TryParse(bytes, out var packet))
            {
                Assert.True(packet.HeaderLength + packet.Payload.Length + packet.PaddingLength == length);
            }
        }
    }

    [Fact]
    public void RandomMutationsNeverThrow()
    {
        var random = new Random(5);
        var sample = OneByteSample();
        for (var round = 0; round < 20_000; round++)
        {
            var bytes = (byte[])sample.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            if (RtpPacket.TryParse(bytes, out var packet))
            {
                for (var id = 1; id < 16; id++)
                {
                    packet.TryGetExtension(id, out _);
                }

                Assert.InRange(packet.HeaderLength, 12, bytes.Length);
            }
        }
    }

    [Fact]
    public void FixedHeadersRoundTripForRandomValues()
    {
        var random = new Random(7);
        var buffer = new byte[12];
        for (var round = 0; round < 5_000; round++)
        {
            var payloadType = (byte)random.Next(128);
            var marker = random.Next(2) == 1;
            var sequence = (ushort)random.Next(65536);
            var timestamp = (uint)random.NextInt64(uint.MaxValue + 1L);
            var ssrc = (uint)random.NextInt64(uint.MaxValue + 1L);
            RtpPacket.WriteFixedHeader(buffer, payloadType, marker, sequence, timestamp, ssrc);
            Assert.True(RtpPacket.TryParse(buffer, out var packet));
            Assert.Equal((payloadType, marker, sequence, timestamp, ssrc), (packet.PayloadType, packet.Marker, packet.SequenceNumber, packet.Timestamp, packet.Ssrc));
        }
    }
}
