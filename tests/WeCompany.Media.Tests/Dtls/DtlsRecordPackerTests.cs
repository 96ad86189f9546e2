using WeCompany.Media.Dtls;

namespace WeCompany.Media.Tests.Dtls;

public sealed class DtlsRecordPackerTests
{
    [Fact]
    public void RecordsArePackedWholeIntoDatagramsUnderTheMtu()
    {
        // Four records of 13 + 500, 13 + 500, 13 + 100 and 13 + 50 bytes.
        var flight = Record(22, 500).Concat(Record(22, 500)).Concat(Record(20, 100)).Concat(Record(22, 50)).ToArray();
        var datagrams = new List<byte[]>();

        var count = DtlsRecordPacker.Send(flight, 1200, d => datagrams.Add(d.ToArray()));

        Assert.Equal(2, count);
        Assert.Equal(513 + 513 + 113, datagrams[0].Length);
        Assert.Equal(63, datagrams[1].Length);
        Assert.Equal(flight, datagrams.SelectMany(d => d).ToArray());
    }

    [Fact]
    public void ARecordLargerThanTheMtuTravelsAlone()
    {
        var flight = Record(22, 100).Concat(Record(22, 1500)).ToArray();
        var datagrams = new List<byte[]>();

        DtlsRecordPacker.Send(flight, 1200, d => datagrams.Add(d.ToArray()));

        Assert.Equal([113, 1513], datagrams.Select(d => d.Length));
    }

    private static byte[] Record(byte type, int length)
    {
        var record = new byte[13 + length];
        record[0] = type;
        record[1] = 0xFE;
        record[2] = 0xFD;
        record[11] = (byte)(length >> 8);
        record[12] = (byte)length;
        return record;
    }
}
