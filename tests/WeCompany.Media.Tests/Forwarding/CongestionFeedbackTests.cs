using WeCompany.Media.Forwarding;
using WeCompany.Media.Rtcp;

namespace WeCompany.Media.Tests.Forwarding;

// What a publisher's bandwidth estimator hears from the SFU: transport-wide CC feedback, and the configured cap.
public sealed class CongestionFeedbackTests
{
    [Fact]
    public async Task PublisherWithTransportCcAlsoGetsTheConfiguredMaximumAsRemb()
    {
        await using var sfu = SfuLoopback.Start(new MediaServerOptions { Port = 0, BindAddress = System.Net.IPAddress.Loopback, MaxPublishBitrate = 1_200_000 });
        var (alice, alicePeer) = await sfu.ConnectAsync("alice");
        alicePeer.ExtensionIds = new RtpExtensionIds(AudioLevel: 1, TransportSequence: 3, AbsSendTime: 0);
        alicePeer.AddPublishedTrack(new PublishedTrackOptions { Ssrc = 1111, Kind = MediaKind.Video, Mid = "0", Vp8PayloadTypes = [96] });
        for (ushort i = 0; i < 10; i++)
        {
            // RFC 8285 one-byte form: id 3, length 2 (written as 1), the transport sequence number, one padding byte.
            byte[] extension = [0xBE, 0xDE, 0x00, 0x01, 0x31, 0x00, (byte)i, 0x00];
            alice.SendRtp(1111, (ushort)(500 + i), 9000, 96, [0x10, 0x01, 7], extension);
        }

        await alice.WaitForFeedbackAsync(RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.TransportCc);
        var remb = await alice.WaitForRtpcAsync(p => RtcpFeedback.TryReadRemb(p, out _, out _));

        var reader = new RtcpCompoundReader(remb);
        while (reader.TryReadNext(out var packet))
        {
            if (RtcpFeedback.TryReadRemb(packet, out var bitrate, out var count))
            {
                // REMB's 18-bit mantissa holds 1.2 Mbit/s exactly; the estimate names the published SSRC.
                Assert.Equal(1_200_000UL, bitrate);
                Assert.Equal(1, count);
                Assert.Equal(1111u, RtcpFeedback.GetRembSsrc(packet, 0));
            }
        }
    }
}
