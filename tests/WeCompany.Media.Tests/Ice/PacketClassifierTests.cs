using WeCompany.Media.Ice;

namespace WeCompany.Media.Tests.Ice;

public sealed class PacketClassifierTests
{
    [Theory]
    [InlineData(new byte[] { 0x00, 0x01 }, PacketKind.Stun)]
    [InlineData(new byte[] { 0x03, 0x00 }, PacketKind.Stun)]
    [InlineData(new byte[] { 0x16, 0xfe, 0xfd }, PacketKind.Dtls)] // handshake record, DTLS 1.2
    [InlineData(new byte[] { 0x17, 0xfe, 0xfd }, PacketKind.Dtls)]
    [InlineData(new byte[] { 0x80, 0x6f }, PacketKind.Rtp)] // PT 111 (opus)
    [InlineData(new byte[] { 0x90, 0xe0 }, PacketKind.Rtp)] // marker + PT 96
    [InlineData(new byte[] { 0x80, 0xc8 }, PacketKind.Rtcp)] // SR
    [InlineData(new byte[] { 0x81, 0xcd }, PacketKind.Rtcp)] // RTPFB
    [InlineData(new byte[] { 0x10, 0x00 }, PacketKind.Unknown)] // ZRTP
    [InlineData(new byte[] { 0x40, 0x00 }, PacketKind.Unknown)] // TURN channel
    [InlineData(new byte[] { 0x80 }, PacketKind.Unknown)]
    [InlineData(new byte[0], PacketKind.Unknown)]
    public void FirstBytesDecideTheKind(byte[] packet, PacketKind expected) =>
        Assert.Equal(expected, PacketClassifier.Classify(packet));
}
