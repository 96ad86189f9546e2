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

    /// <summary>Folder for the bytes when <see cref="Storage"/> is local; empty: "files" in Storage:DataDir.</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// Where the bytes live: "local" (<see cref="Directory"/>) or "postgres" (the database, so that every node of a
    /// cluster serves every file). Empty: postgres when Storage:Provider is postgres, else local.
    /// </summary>
    [RegularExpression("^(local|postgres)$")]
    public string? Storage { get; set; }

    /// <summary>
    /// PostgreSQL storage: an upload not written to for this long is abandoned (its node died) and swept: 60 min.
    /// A live upload writes a chunk far more often: Kestrel's minimum body rate (240 B/s) delivers a 512 KiB chunk
    /// within 37 minutes or aborts the request.
    /// </summary>
    [Range(1, 7 * 24 * 60)]
    public int AbandonedUploadMinutes { get; set; } = 60;

    /// <summary>PostgreSQL storage: how often each node sweeps abandoned uploads: 300 s, cheap (one indexed DELETE).</summary>
    [Range(1, 24 * 3600)]
    public int SweepIntervalSeconds { get; set; } = 300;

    /// <summary>Storage:Provider decides when <see cref="Storage"/> is not set.</summary>
    public string EffectiveStorage(string provider) =>
        string.IsNullOrWhiteSpace(Storage) ? (provider == "postgres" ? "postgres" : "local") : Storage;

    /// <summary>The file_type values accepted; each admits the formats <see cref="ContentSniffer"/> recognises for it.</summary>
    [MinLength(1)]
    public string[] AllowedTypes { get; set; } = ["document", "image", "audio", "video", "archive"];

    /// <summary>Longest original name kept (in UTF-16 units, extension included): 255, what common file systems allow.</summary>
    [Range(16, 1024)]
    public int MaxNameLength { get; set; } = 255;
}
