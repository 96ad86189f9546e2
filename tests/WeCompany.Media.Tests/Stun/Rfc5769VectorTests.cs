using System.Net;
using System.Text;
using WeCompany.Media.Stun;

namespace WeCompany.Media.Tests.Stun;

// RFC 5769 test vectors: §2.1 sample request, §2.2 IPv4 response, §2.3 IPv6 response.
public sealed class Rfc5769VectorTests
{
    internal const string Password = "VOkJxbRl1RmTxUk/WvJxBt";

    internal static readonly byte[] SampleRequest = Hex.Bytes("""
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
        00 24 00 04 6e 00 01 ff
        80 29 00 08 93 2f f9 b1 51 26 3b 36
        00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
        80 28 00 04 e5 7a 3b cf
        """);

    internal static readonly byte[] SampleIPv4Response = Hex.Bytes("""
        01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96
        """);

    internal static readonly byte[] SampleIPv6Response = Hex.Bytes("""
        01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
        80 28 00 04 c8 fb 0b 4c
        """);

    private static readonly byte[] PasswordBytes = Encoding.ASCII.GetBytes(Password);

    [Fact]
    public void SampleRequestParsesWithItsIceAttributes()
    {
        Assert.True(StunMessage.TryParse(SampleRequest, out var message));
        Assert.Equal((ushort)StunMessageType.BindingRequest, message.MessageType);
        Assert.Equal("evtj:h6vY", Encoding.UTF8.GetString(message.Username));
        Assert.True(message.TryGetPriority(out var priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(message.TryGetIceControlled(out var tieBreaker));
        Assert.Equal(0x932ff9b151263b36ul, tieBreaker);
        Assert.False(message.HasIceControlling);
        Assert.False(message.HasUseCandidate);
        Assert.True(message.TryGetAttribute(StunAttributeType.Software, out var software));
        Assert.Equal("STUN test client", Encoding.UTF8.GetString(software));
    }

    [Fact]
    public void SampleRequestPassesFingerprintAndIntegrity()
    {
        Assert.True(StunMessage.TryParse(SampleRequest, out var message));
        Assert.True(message.VerifyFingerprint());
        Assert.True(message.VerifyMessageIntegrity(PasswordBytes));
        Assert.Equal(StunValidationResult.Ok, message.ValidateShortTerm(PasswordBytes));
    }

    [Fact]
    public void SampleRequestWithWrongPasswordIsBadIntegrity()
    {
        Assert.True(StunMessage.TryParse(SampleRequest, out var message));
        Assert.Equal(StunValidationResult.BadIntegrity, message.ValidateShortTerm("VOkJxbRl1RmTxUk/WvJxBu"u8));
    }

    [Fact]
    public void TamperedIntegrityIsRefused()
    {
        var tampered = (byte[])SampleRequest.Clone();
        tampered[^20] ^= 0x01; // a byte inside the HMAC value
        Assert.True(StunMessage.TryParse(tampered, out var message));
        Assert.False(message.VerifyMessageIntegrity(PasswordBytes));
    }

    [Fact]
    public void TamperedBodyFailsFingerprintAndIntegrity()
    {
        var tampered = (byte[])SampleRequest.Clone();
        tampered[45] ^= 0x40; // inside the PRIORITY value
        Assert.True(StunMessage.TryParse(tampered, out var message));
        Assert.False(message.VerifyFingerprint());
        Assert.False(message.VerifyMessageIntegrity(PasswordBytes));
        Assert.Equal(StunValidationResult.Malformed, message.ValidateShortTerm(PasswordBytes));
    }

    [Fact]
    public void TruncatedMessagesAreRefusedAtEveryLength()
    {
        for (var length = 0; length < SampleRequest.Length; length++)
        {
            Assert.False(StunMessage.TryParse(SampleRequest.AsSpan(0, length), out _), $"length {length}");
        }
    }

    [Fact]
    public void LengthFieldPastTheDatagramIsRefused()
    {
        var broken = (byte[])SampleRequest.Clone();
        broken[3] = 0x5c; // says 4 bytes more than arrived
        Assert.False(StunMessage.TryParse(broken, out _));
    }

    [Fact]
    public void AttributeLengthPastTheMessageIsRefused()
    {
        var broken = (byte[])SampleRequest.Clone();
        broken[20 + 2] = 0x01; // SOFTWARE length 0x0110
        Assert.False(StunMessage.TryParse(broken, out _));
    }

    [Fact]
    public void WrongMagicCookieIsRefused()
    {
        var broken = (byte[])SampleRequest.Clone();
        broken[4] = 0x22;
        Assert.False(StunMessage.TryParse(broken, out _));
    }

    [Fact]
    public void RequestWithoutFingerprintReportsNoFingerprint()
    {
        var withoutFingerprint = SampleRequest.AsSpan(0, SampleRequest.Length - 8).ToArray();
        withoutFingerprint[3] -= 8;
        Assert.True(StunMessage.TryParse(withoutFingerprint, out var message));
        Assert.Equal(StunValidationResult.NoFingerprint, message.ValidateShortTerm(PasswordBytes));
        Assert.True(message.VerifyMessageIntegrity(PasswordBytes));
    }

    [Fact]
    public void SampleRequestIsRebuiltByteForByte()
    {
        Assert.True(StunMessage.TryParse(SampleRequest, out var parsed));
        var buffer = new byte[200];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, parsed.TransactionId);
        writer.AddAttribute(StunAttributeType.Software, "STUN test client"u8);
        writer.AddPriority(0x6e0001ff);
        writer.AddIceControlled(0x932ff9b151263b36);
        // RFC 5769 pads with spaces; RFC 5389 allowed any padding byte.
        writer.AddAttribute(StunAttributeType.Username, "evtj:h6vY"u8, padding: 0x20);
        writer.AddMessageIntegrity(PasswordBytes);
        writer.AddFingerprint();
        Assert.Equal(Convert.ToHexString(SampleRequest), Convert.ToHexString(writer.Written));
    }

    [Fact]
    public void IPv4ResponseVerifiesAndDecodesTheMappedAddress()
    {
        Assert.True(StunMessage.TryParse(SampleIPv4Response, out var message));
        Assert.Equal(StunValidationResult.Ok, message.ValidateShortTerm(PasswordBytes));
        Assert.True(message.TryGetXorMappedAddress(out var endPoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), endPoint);
    }

    [Fact]
    public void IPv6ResponseVerifiesAndDecodesTheMappedAddress()
    {
        Assert.True(StunMessage.TryParse(SampleIPv6Response, out var message));
        Assert.Equal(StunValidationResult.Ok, message.ValidateShortTerm(PasswordBytes));
        Assert.True(message.TryGetXorMappedAddress(out var endPoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), endPoint);
    }

    [Theory]
    [InlineData("192.0.2.1", true)]
    [InlineData("2001:db8:1234:5678:11:2233:4455:6677", false)]
    public void ResponsesAreRebuiltByteForByteFromASocketAddress(string address, bool ipv4)
    {
        var expected = ipv4 ? SampleIPv4Response : SampleIPv6Response;
        var source = new IPEndPoint(IPAddress.Parse(address), 32853).Serialize();
        var buffer = new byte[200];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccessResponse, expected.AsSpan(8, 12));
        writer.AddAttribute(StunAttributeType.Software, "test vector"u8, padding: 0x20);
        writer.AddXorMappedAddress(source);
        writer.AddMessageIntegrity(PasswordBytes);
        writer.AddFingerprint();
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(writer.Written));
    }

    [Fact]
    public void ErrorCodeRoundTrips()
    {
        var buffer = new byte[100];
        var writer = new StunWriter(buffer, StunMessageType.BindingErrorResponse, SampleRequest.AsSpan(8, 12));
        writer.AddErrorCode(487, "Role Conflict"u8);
        writer.AddFingerprint();
        Assert.True(StunMessage.TryParse(writer.Written, out var message));
        Assert.True(message.VerifyFingerprint());
        Assert.True(message.TryGetErrorCode(out var code, out var reason));
        Assert.Equal(487, code);
        Assert.Equal("Role Conflict", Encoding.UTF8.GetString(reason));
    }

    [Fact]
    public void AttributeAfterFingerprintIsRefused()
    {
        var buffer = new byte[100];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, SampleRequest.AsSpan(8, 12));
        writer.AddFingerprint();
        writer.AddUseCandidate();
        Assert.False(StunMessage.TryParse(writer.Written, out _));
    }

    [Fact]
    public void Crc32MatchesTheCheckValue()
    {
        // The CRC-32/ISO-HDLC check value of "123456789".
        Assert.Equal(0xCBF43926u, StunCrc32.Compute("123456789"u8));
    }
}
