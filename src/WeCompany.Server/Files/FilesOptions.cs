using System.ComponentModel.DataAnnotations;

namespace WeCompany.Server.Files;

/// <summary>Uploads into meetings. Section "Files".</summary>
public sealed class FilesOptions
{
    /// <summary>Largest file accepted: 100 MiB (the default) covers slides and recordings of a short talk.</summary>
    [Range(1, 1L << 40)]
    public long MaxFileBytes { get; set; } = 100L << 20;

    /// <summary>Bytes each user may keep stored across all meetings: 1 GiB, ten maximal files.</summary>
    [Range(0, 1L << 50)]
    public long QuotaBytesPerUser { get; set; } = 1L << 30;

    /// <summary>Folder for the bytes; empty: "files" in Storage:DataDir.</summary>
    public string? Directory { get; set; }

    /// <summary>The file_type values accepted; each admits the formats <see cref="ContentSniffer"/> recognises for it.</summary>
    [MinLength(1)]
    public string[] AllowedTypes { get; set; } = ["document", "image", "audio", "video", "archive"];

    /// <summary>Longest original name kept (in UTF-16 units, extension included): 255, what common file systems allow.</summary>
    [Range(16, 1024)]
    public int MaxNameLength { get; set; } = 255;
}
