using System.Buffers.Binary;

namespace WeCompany.Media.Dtls;

/// <summary>Sends one datagram produced by a <see cref="DtlsTransport"/>. The span is valid only during the call.</summary>
public delegate void DtlsDatagramSink(ReadOnlySpan<byte> datagram);

/// <summary>
/// A memory BIO joins a whole flight into one buffer. This splits it on DTLS record headers and packs whole
/// records into datagrams no larger than the MTU (RFC 6347 §4.1.1: a record never spans datagrams).
/// </summary>
internal static class DtlsRecordPacker
{
    /// <summary>RFC 6347 §4.1: type(1) version(2) epoch(2) sequence_number(6) length(2).</summary>
    public const int RecordHeaderLength = 13;

    public static int Send(ReadOnlySpan<byte> flight, int mtu, DtlsDatagramSink sink)
    {
        var datagrams = 0;
        var start = 0;
        var end = 0;
        while (end < flight.Length)
        {
            var recordLength = end + RecordHeaderLength <= flight.Length
                ? RecordHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(flight[(end + 11)..])
                : flight.Length - end;
            recordLength = Math.Min(recordLength, flight.Length - end);

            if (end > start && end + recordLength - start > mtu)
            {
                sink(flight[start..end]);
                datagrams++;
                start = end;
            }

            end += recordLength;
        }

        if (end > start)
        {
            sink(flight[start..end]);
            datagrams++;
        }

        return datagrams;
    }
}
