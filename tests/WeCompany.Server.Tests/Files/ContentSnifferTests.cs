using System.Text;
using WeCompany.Server.Files;

namespace WeCompany.Server.Tests.Files;

public sealed class ContentSnifferTests
{
    [Theory]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D, 0x31 }, "a.bin", "application/pdf", "document")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, "photo", "image/jpeg", "image")]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61 }, "x.gif", "image/gif", "image")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0 }, "slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "document")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0 }, "bundle.zip", "application/zip", "archive")]
    [InlineData(new byte[] { 0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6F, 0x6D }, "clip.mp4", "video/mp4", "video")]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x41, 0x56, 0x45 }, "voice.wav", "audio/wav", "audio")]
    public void KnownSignaturesAreRecognisedWhateverTheName(byte[] prefix, string name, string contentType, string fileType)
    {
        Assert.Equal(new SniffedFormat(contentType, fileType), ContentSniffer.Sniff(prefix, name));
    }

    [Fact]
    public void TextIsAcceptedOnlyAsValidUtf8UnderATextExtension()
    {
        var text = Encoding.UTF8.GetBytes("Agenda: 会议 at 10:00\r\n");

        Assert.Equal("document", ContentSniffer.Sniff(text, "agenda.txt")!.Value.FileType);
        Assert.Null(ContentSniffer.Sniff(text, "agenda.png"));
        Assert.Null(ContentSniffer.Sniff([0x41, 0x00, 0x42], "binary.txt"));
        Assert.Null(ContentSniffer.Sniff([0x41, 0xC3, 0x28], "broken.txt"));
    }

    [Fact]
    public void NamesLoseTheirPathsAndControlCharacters()
    {
        Assert.Equal("x.pdf", FileNames.Sanitize("../../x.pdf", 255));
        Assert.Equal("evil.pdf", FileNames.Sanitize("evil\r\n.pdf", 255));
        Assert.Equal("file", FileNames.Sanitize("../..", 255));
        Assert.Equal("file", FileNames.Sanitize(null, 255));
        Assert.Equal(20, FileNames.Sanitize(new string('b', 100) + ".docx", 20).Length);
    }
}
