using System.Net;
using System.Security.Cryptography;
using System.Text;
using WeCompany.Media.Ice;
using WeCompany.Media.Rtcp;
using WeCompany.Media.Rtp;
using WeCompany.Media.Stun;

namespace WeCompany.Media.Tests.Ice;

// The per-packet paths must not allocate (style guide: hot paths allocate nothing per packet).
public sealed class HotPathAllocationTests
{
    private static long AllocatedBy(Action action)
    {
        action(); // warm up: JIT, static tables, first-time caches
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            action();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void AnsweringAConsentCheckAllocatesNothing()
    {
        var agent = new IceLiteAgent();
        var session = agent.CreateSession();
        var request = new byte[256];
        var writer = new StunWriter(request, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername(Encoding.ASCII.GetBytes(session.LocalCredentials.Ufrag + ":peer"));
        writer.AddPriority(1);
        writer.AddIceControlling(2);
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(session.LocalCredentials.Password));
        writer.AddFingerprint();
        var length = writer.Length;
        var source = new IPEndPoint(IPAddress.Parse("192.0.2.10"), 50000).Serialize();
        var response = new byte[1500];

        var answered = 0;
        var found = 0;
        var allocated = AllocatedBy(() =>
        {
            // No assertions in here: xunit's own comparisons allocate.
            if (agent.HandleStun(request.AsSpan(0, length), source, response).Outcome == IceCheckOutcome.SuccessResponse)
            {
                answered++;
            }

            if (agent.TryGetSession(source, out _))
            {
                found++;
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(101, answered);
        Assert.Equal(101, found);
    }

    [Fact]
    public void ParsingAndRewritingRtpAndRtcpAllocatesNothing()
    {
        var rtp = Hex.Bytes("90 60 12 34 00 00 00 01 00 00 00 02 be de 00 01 32 00 01 00 aa bb");
        var rtcp = new byte[64];
        var rtcpLength = RtcpFeedback.WriteNack(rtcp, 1, 2, [10, 12, 40]);
        var lost = new ushort[32];

        var nacked = 0;
        var allocated = AllocatedBy(() =>
        {
            if (!RtpPacket.TryParse(rtp, out var packet))
            {
                return;
            }

            packet.Ssrc = 7;
            packet.SequenceNumber++;
            packet.TrySetTransportSequenceNumber(3, 9);
            var reader = new RtcpCompoundReader(rtcp.AsSpan(0, rtcpLength));
            while (reader.TryReadNext(out var feedback))
            {
                nacked += RtcpFeedback.ReadNackSequenceNumbers(feedback, lost);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(101 * 3, nacked);
        Assert.True(RtpPacket.TryParse(rtp, out var rewritten));
        Assert.Equal(7u, rewritten.Ssrc);
        Assert.Equal(0x1234 + 101, rewritten.SequenceNumber);
    }
}
