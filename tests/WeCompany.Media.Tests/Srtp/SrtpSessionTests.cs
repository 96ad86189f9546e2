using WeCompany.Media.Srtp;

namespace WeCompany.Media.Tests.Srtp;

public sealed class SrtpSessionTests
{
    public static TheoryData<SrtpProfile> Profiles => [SrtpProfile.AES_CM_128_HMAC_SHA1_80, SrtpProfile.AEAD_AES_128_GCM];

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ProtectThenUnprotectReturnsThePayload(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        var packet = RtpPackets.Rtp(1000);
        var original = packet.AsSpan(0, 172).ToArray();

        Assert.Equal(SrtpResult.Ok, sender.ProtectRtp(packet, 172, out var protectedLength));
        Assert.Equal(172 + profile.TagLength(), protectedLength);
        Assert.False(packet.AsSpan(12, 160).SequenceEqual(original.AsSpan(12)), "the payload is encrypted");
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packet, protectedLength, out var plainLength));

        Assert.Equal(original, packet.AsSpan(0, plainLength).ToArray());
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void AHeaderWithCsrcsAndAnExtensionStaysInTheClear(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        var packet = RtpPackets.Rtp(5, payloadLength: 100);
        // One CSRC and a one-word extension: the header grows to 12 + 4 + 8 = 24 bytes.
        packet[0] = 0x91;
        packet[18] = 0x00;
        packet[19] = 0x01;
        var original = packet.AsSpan(0, 112).ToArray();

        sender.ProtectRtp(packet, 112, out var protectedLength);
        Assert.Equal(original.AsSpan(0, 24).ToArray(), packet.AsSpan(0, 24).ToArray());
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packet, protectedLength, out var plainLength));

        Assert.Equal(original, packet.AsSpan(0, plainLength).ToArray());
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ATamperedTagIsRejected(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        var packet = RtpPackets.Rtp(7);
        sender.ProtectRtp(packet, 172, out var protectedLength);
        packet[protectedLength - 1] ^= 0x01;

        Assert.Equal(SrtpResult.AuthFailed, receiver.UnprotectRtp(packet, protectedLength, out _));
        Assert.Null(receiver.GetReceiveRolloverCounter(0x11223344));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ATamperedPayloadIsRejected(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        var packet = RtpPackets.Rtp(7);
        sender.ProtectRtp(packet, 172, out var protectedLength);
        packet[40] ^= 0x80;

        Assert.Equal(SrtpResult.AuthFailed, receiver.UnprotectRtp(packet, protectedLength, out _));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void AReplayedPacketIsReportedAsDuplicate(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        var packet = RtpPackets.Rtp(42);
        sender.ProtectRtp(packet, 172, out var protectedLength);
        var copy = packet.ToArray();

        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packet, protectedLength, out _));
        Assert.Equal(SrtpResult.ReplayDuplicate, receiver.UnprotectRtp(copy, protectedLength, out _));
    }

    [Fact]
    public void APacketOlderThanTheWindowIsTooOldButReorderingInsideItIsAccepted()
    {
        var (sender, receiver) = Pair(SrtpProfile.AEAD_AES_128_GCM);
        using var s = sender;
        using var r = receiver;
        var protectedPackets = new Dictionary<ushort, (byte[] Packet, int Length)>();
        foreach (ushort sequence in new ushort[] { 100, 101, 150, 200 })
        {
            var packet = RtpPackets.Rtp(sequence);
            sender.ProtectRtp(packet, 172, out var length);
            protectedPackets[sequence] = (packet, length);
        }

        Assert.Equal(SrtpResult.Ok, Unprotect(receiver, protectedPackets[100]));
        Assert.Equal(SrtpResult.Ok, Unprotect(receiver, protectedPackets[200]));
        Assert.Equal(SrtpResult.Ok, Unprotect(receiver, protectedPackets[150]));
        Assert.Equal(SrtpResult.ReplayTooOld, Unprotect(receiver, protectedPackets[101]));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void TheRolloverCounterAdvancesWhenTheSequenceWrapsFrom65535To0(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        foreach (var sequence in new[] { 65533, 65534, 65535, 0, 1, 2 })
        {
            var packet = RtpPackets.Rtp((ushort)sequence);
            var original = packet.AsSpan(0, 172).ToArray();
            Assert.Equal(SrtpResult.Ok, sender.ProtectRtp(packet, 172, out var length));
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packet, length, out var plainLength));
            Assert.Equal(original, packet.AsSpan(0, plainLength).ToArray());
        }

        Assert.Equal(1u, receiver.GetReceiveRolloverCounter(0x11223344));
    }

    [Fact]
    public void ALatePacketFromBeforeTheWrapStillDecrypts()
    {
        var (sender, receiver) = Pair(SrtpProfile.AES_CM_128_HMAC_SHA1_80);
        using var s = sender;
        using var r = receiver;
        var late = RtpPackets.Rtp(65535);
        var lateOriginal = late.AsSpan(0, 172).ToArray();
        var first = RtpPackets.Rtp(65534);
        sender.ProtectRtp(first, 172, out var firstLength);
        sender.ProtectRtp(late, 172, out var lateLength);
        var next = RtpPackets.Rtp(3);
        sender.ProtectRtp(next, 172, out var nextLength);

        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(first, firstLength, out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(next, nextLength, out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(late, lateLength, out var plainLength));

        Assert.Equal(lateOriginal, late.AsSpan(0, plainLength).ToArray());
        Assert.Equal(1u, receiver.GetReceiveRolloverCounter(0x11223344));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void SrtcpRoundTripsAndRejectsReplay(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        for (var i = 0; i < 3; i++)
        {
            var packet = RtpPackets.ReceiverReport();
            var original = packet.AsSpan(0, RtpPackets.RtcpLength).ToArray();
            Assert.Equal(SrtpResult.Ok, sender.ProtectRtcp(packet, RtpPackets.RtcpLength, out var length));
            Assert.Equal(RtpPackets.RtcpLength + sender.RtcpOverhead, length);
            var replay = packet.ToArray();

            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(packet, length, out var plainLength));
            Assert.Equal(original, packet.AsSpan(0, plainLength).ToArray());
            Assert.Equal(SrtpResult.ReplayDuplicate, receiver.UnprotectRtcp(replay, length, out _));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ATamperedSrtcpPacketIsRejected(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        var packet = RtpPackets.ReceiverReport();
        sender.ProtectRtcp(packet, RtpPackets.RtcpLength, out var length);
        packet[12] ^= 0x04;

        Assert.Equal(SrtpResult.AuthFailed, receiver.UnprotectRtcp(packet, length, out _));
    }

    [Fact]
    public void PacketsProtectedWithOtherKeysFailAuthentication()
    {
        using var sender = new SrtpSession(SrtpProfile.AES_CM_128_HMAC_SHA1_80, new byte[16], new byte[14]);
        var otherKey = new byte[16];
        otherKey[0] = 1;
        using var receiver = new SrtpSession(SrtpProfile.AES_CM_128_HMAC_SHA1_80, otherKey, new byte[14]);
        var packet = RtpPackets.Rtp(1);
        sender.ProtectRtp(packet, 172, out var length);

        Assert.Equal(SrtpResult.AuthFailed, receiver.UnprotectRtp(packet, length, out _));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ShortOrForeignPacketsAreMalformed(SrtpProfile profile)
    {
        using var session = new SrtpSession(profile, new byte[16], new byte[profile.SaltLength()]);
        var tooShort = new byte[12 + profile.TagLength() - 1];
        tooShort[0] = 0x80;
        var notVersion2 = RtpPackets.Rtp(1);
        notVersion2[0] = 0x40;
        var extensionPastTheEnd = RtpPackets.Rtp(1, payloadLength: 8, spare: 0);
        extensionPastTheEnd[0] = 0x90;
        extensionPastTheEnd[14] = 0xFF;

        Assert.Equal(SrtpResult.Malformed, session.UnprotectRtp(tooShort, tooShort.Length, out _));
        Assert.Equal(SrtpResult.Malformed, session.UnprotectRtp(notVersion2, 172, out _));
        Assert.Equal(SrtpResult.Malformed, session.ProtectRtp(extensionPastTheEnd, extensionPastTheEnd.Length, out _));
        Assert.Equal(SrtpResult.Malformed, session.UnprotectRtcp(new byte[10], 10, out _));
    }

    [Fact]
    public void ProtectWithoutRoomForTheTagReportsBufferTooSmall()
    {
        using var session = new SrtpSession(SrtpProfile.AEAD_AES_128_GCM, new byte[16], new byte[12]);
        var packet = RtpPackets.Rtp(1, spare: 4);

        Assert.Equal(SrtpResult.BufferTooSmall, session.ProtectRtp(packet, 172, out _));
    }

    [Fact]
    public void MasterKeysOfTheWrongLengthAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new SrtpSession(SrtpProfile.AEAD_AES_128_GCM, new byte[16], new byte[14]));
        Assert.Throws<ArgumentException>(() => new SrtpSession(SrtpProfile.AES_CM_128_HMAC_SHA1_80, new byte[32], new byte[14]));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ProtectAndUnprotectAllocateNothingPerPacket(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        var rtp = new byte[1300];
        var rtcp = new byte[200];
        var templateRtp = RtpPackets.Rtp(0, payloadLength: 1188, spare: 100);
        var templateRtcp = RtpPackets.ReceiverReport();
        for (var i = 0; i < 100; i++)
        {
            RoundTripWith(sender, receiver, templateRtp, templateRtcp, rtp, rtcp, (ushort)i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 100; i < 10_100; i++)
        {
            RoundTripWith(sender, receiver, templateRtp, templateRtcp, rtp, rtcp, (ushort)i);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static void RoundTripWith(SrtpSession sender, SrtpSession receiver, byte[] templateRtp, byte[] templateRtcp, byte[] rtp, byte[] rtcp, ushort sequence)
    {
        templateRtp.AsSpan(0, 1200).CopyTo(rtp);
        rtp[2] = (byte)(sequence >> 8);
        rtp[3] = (byte)sequence;
        if (sender.ProtectRtp(rtp, 1200, out var length) != SrtpResult.Ok
            || receiver.UnprotectRtp(rtp, length, out _) != SrtpResult.Ok)
        {
            throw new InvalidOperationException("RTP round trip failed");
        }

        templateRtcp.AsSpan(0, RtpPackets.RtcpLength).CopyTo(rtcp);
        if (sender.ProtectRtcp(rtcp, RtpPackets.RtcpLength, out length) != SrtpResult.Ok
            || receiver.UnprotectRtcp(rtcp, length, out _) != SrtpResult.Ok)
        {
            throw new InvalidOperationException("RTCP round trip failed");
        }
    }

    private static SrtpResult Unprotect(SrtpSession receiver, (byte[] Packet, int Length) item) =>
        receiver.UnprotectRtp(item.Packet, item.Length, out _);

    private static (SrtpSession Sender, SrtpSession Receiver) Pair(SrtpProfile profile)
    {
        var key = Enumerable.Range(1, 16).Select(i => (byte)(i * 11)).ToArray();
        var salt = Enumerable.Range(1, profile.SaltLength()).Select(i => (byte)(i * 3)).ToArray();
        return (new SrtpSession(profile, key, salt), new SrtpSession(profile, key, salt));
    }
}
