using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Protocol.Tests.Tcp;

/// <summary>Every hex example in docs/protocol/tcp.md decodes to what its label says and encodes back byte for byte.</summary>
public sealed partial class TcpDocumentVectorsTests
{
    public static TheoryData<string> VectorNames()
    {
        var data = new TheoryData<string>();
        foreach (var vector in DocumentVectors.All.Value)
        {
            data.Add(vector.Name);
        }
        return data;
    }

    [Fact]
    public void TheDocumentShowsAnExampleOfEveryFrameType()
    {
        var types = DocumentVectors.All.Value.Select(v => v.Type).ToHashSet();
        Assert.Equal(Enum.GetValues<FrameType>().ToHashSet(), types);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void DocumentedFrameDecodesToItsLabelAndEncodesBackByteForByte(string name)
    {
        var vector = DocumentVectors.Get(name);
        var buffer = new ReadOnlySequence<byte>(vector.Bytes);

        var status = FrameReader.TryRead(ref buffer, FrameFormat.DefaultMaxFrameBytes, out var frame, out var error);

        Assert.Equal(FrameReadStatus.Complete, status);
        Assert.Equal(FrameError.None, error);
        Assert.True(buffer.IsEmpty);
        Assert.Equal(vector.Type, frame.Type);
        Assert.Equal(vector.UserId, frame.UserIdString());
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, frame.Type, Encoding.UTF8.GetBytes(vector.UserId), frame.Data.ToArray());
        Assert.Equal(vector.Bytes, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void DocumentedCallBodiesAreWhatTheSerializerWrites()
    {
        Assert.Equal(DocumentVectors.Data("call-request"), TcpJson.Serialize(new CallRequestBody(true)));
        Assert.Equal(DocumentVectors.Data("call-ringing"), TcpJson.Serialize(new CallBody("Xy12", CallStates.Ringing, Video: true)));
        Assert.Equal(DocumentVectors.Data("call-incoming"), TcpJson.Serialize(new CallBody("Xy12", CallStates.Incoming, Video: true)));
        Assert.Equal(DocumentVectors.Data("call-accept"), TcpJson.Serialize(new CallBody("Xy12")));
        Assert.Equal(DocumentVectors.Data("call-accepted"), TcpJson.Serialize(new CallBody("Xy12", CallStates.Accepted)));
        Assert.Equal(DocumentVectors.Data("call-reject"), TcpJson.Serialize(new CallBody("Xy12", Reason: CallReasons.Declined)));
        Assert.Equal(DocumentVectors.Data("call-rejected"), TcpJson.Serialize(new CallBody("Xy12", CallStates.Rejected, Reason: CallReasons.Busy)));
        Assert.Equal(DocumentVectors.Data("call-ended"), TcpJson.Serialize(new CallBody("Xy12", CallStates.Ended, Reason: CallReasons.Disconnected)));
        Assert.Equal(DocumentVectors.Data("register-result"), TcpJson.Serialize(new RegisterResult(42, "alice")));
        Assert.Equal(DocumentVectors.Data("error"), TcpJson.Serialize(new TcpErrorBody(Rest.ErrorCodes.TcpUserOffline, "The user is not online.")));
    }

    [Fact]
    public void DocumentedFileAndMediaPayloadsAreWhatTheBuildersWrite()
    {
        Assert.Equal(DocumentVectors.Data("file"), FilePayload.Build("a.txt", "hello"u8));
        Assert.Equal(DocumentVectors.Data("media"), MediaPayload.Build("Xy12"u8, [1, 2, 3, 4]));
        var data = DocumentVectors.Data("file");
        Assert.True(FilePayload.TryParse(data, out var name, out var content, data));
        Assert.Equal("a.txt", name);
        Assert.Equal("hello"u8.ToArray(), content.ToArray());
    }
}

internal sealed record DocumentVector(string Name, FrameType Type, string UserId, byte[] Bytes);

internal static partial class DocumentVectors
{
    public static readonly Lazy<IReadOnlyList<DocumentVector>> All = new(Load);

    public static DocumentVector Get(string name) => All.Value.Single(v => v.Name == name);

    public static byte[] Data(string name)
    {
        var bytes = Get(name).Bytes;
        var userIdLength = (bytes[5] << 8) | bytes[6];
        return bytes[(7 + userIdLength)..];
    }

    private static List<DocumentVector> Load()
    {
        var text = File.ReadAllText(FindDocument());
        return VectorBlock().Matches(text).Select(m => new DocumentVector(
            m.Groups["name"].Value,
            Enum.Parse<FrameType>(m.Groups["type"].Value),
            m.Groups["user"].Value,
            Convert.FromHexString(m.Groups["hex"].Value.Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal))))
            .ToList();
    }

    private static string FindDocument()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "docs", "protocol", "tcp.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("docs/protocol/tcp.md not found above the test binaries.");
    }

    [GeneratedRegex("<!-- vector (?<name>[a-z-]+) type=(?<type>[A-Za-z]+) user=\"(?<user>[^\"]*)\" -->\\n```hex\\n(?<hex>[0-9a-f \\n]+?)\\n```")]
    private static partial Regex VectorBlock();
}
