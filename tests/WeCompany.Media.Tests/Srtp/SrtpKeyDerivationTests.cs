using WeCompany.Media.Srtp;

namespace WeCompany.Media.Tests.Srtp;

public sealed class SrtpKeyDerivationTests
{
    // RFC 3711 Appendix B.3.
    private static readonly byte[] MasterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] MasterSalt = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");

    [Theory]
    [InlineData(SrtpKeyDerivation.RtpEncryptionLabel, "C61E7A93744F39EE10734AFE3FF7A087")]
    [InlineData(SrtpKeyDerivation.RtpSaltLabel, "30CBBC08863D8C85D49DB34A9AE1")]
    [InlineData(SrtpKeyDerivation.RtpAuthenticationLabel, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")]
    public void RtpSessionKeysMatchRfc3711AppendixB3(byte label, string expected)
    {
        var output = new byte[expected.Length / 2];

        SrtpKeyDerivation.Derive(MasterKey, MasterSalt, label, output);

        Assert.Equal(expected, Convert.ToHexString(output));
    }

    [Theory]
    [InlineData(SrtpKeyDerivation.RtcpEncryptionLabel, "4C1AA45A81F73D61C800BBB00FBB1EAA")]
    [InlineData(SrtpKeyDerivation.RtcpSaltLabel, "9581C7AD87B3E530BF3E4454A8B3")]
    [InlineData(SrtpKeyDerivation.RtcpAuthenticationLabel, "8D54534FEB49AE8E7993A6BD0B844FC323A93DFD")]
    public void RtcpSessionKeysUseTheirOwnLabels(byte label, string expected)
    {
        var output = new byte[expected.Length / 2];

        SrtpKeyDerivation.Derive(MasterKey, MasterSalt, label, output);

        Assert.Equal(expected, Convert.ToHexString(output));
    }

    [Fact]
    public void ATwelveByteGcmSaltIsZeroPaddedForTheKdf()
    {
        var padded = new byte[14];
        MasterSalt.AsSpan(0, 12).CopyTo(padded);
        var fromShort = new byte[16];
        var fromPadded = new byte[16];

        SrtpKeyDerivation.Derive(MasterKey, MasterSalt.AsSpan(0, 12), SrtpKeyDerivation.RtpEncryptionLabel, fromShort);
        SrtpKeyDerivation.Derive(MasterKey, padded, SrtpKeyDerivation.RtpEncryptionLabel, fromPadded);

        Assert.Equal(fromPadded, fromShort);
    }
}
