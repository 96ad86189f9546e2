using WeCompany.Media.Srtp;

namespace WeCompany.Media.Tests.Srtp;

public sealed class AesCounterModeTests
{
    [Fact]
    public void KeystreamMatchesRfc3711AppendixB2()
    {
        // RFC 3711 Appendix B.2: session key, session salt, ROC = SEQ = SSRC = 0, so IV = salt * 2^16.
        using var counterMode = new AesCounterMode(Convert.FromHexString("2B7E151628AED2A6ABF7158809CF4F3C"));
        var iv = Convert.FromHexString("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
        var keystream = new byte[0xFF02 * 16];

        counterMode.Apply(iv, keystream);

        Assert.Equal("E03EAD0935C95E80E166B16DD92B4EB4", Block(keystream, 0x0000));
        Assert.Equal("D23513162B02D0F72A43A2FE4A5F97AB", Block(keystream, 0x0001));
        Assert.Equal("41E95B3BB0A2E8DD477901E4FCA894C0", Block(keystream, 0x0002));
        Assert.Equal("EC8CDF7398607CB0F2D21675EA9EA1E4", Block(keystream, 0xFEFF));
        Assert.Equal("362B7C3C6773516318A077D7FC5073AE", Block(keystream, 0xFF00));
        Assert.Equal("6A2CC3787889374FBEB4C81B17BA6C44", Block(keystream, 0xFF01));
    }

    [Fact]
    public void ApplyingTheKeystreamTwiceRestoresTheData()
    {
        using var counterMode = new AesCounterMode(new byte[16]);
        var iv = new byte[16];
        var data = Enumerable.Range(0, 3001).Select(i => (byte)i).ToArray();
        var original = data.ToArray();

        counterMode.Apply(iv, data);
        Assert.NotEqual(original, data);
        counterMode.Apply(iv, data);

        Assert.Equal(original, data);
    }

    private static string Block(byte[] keystream, int block) => Convert.ToHexString(keystream, block * 16, 16);
}
