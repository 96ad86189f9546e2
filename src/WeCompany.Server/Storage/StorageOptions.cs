using System.ComponentModel.DataAnnotations;

namespace WeCompany.Server.Storage;

/// <summary>Where durable state lives. Section "Storage".</summary>
public sealed class StorageOptions
{
    /// <summary>Folder for the SQLite database, the generated keys and uploaded files.</summary>
    [Required]
    public string DataDir { get; set; } = "./data";

    /// <summary>"sqlite" (embedded, default) or "postgres" (cluster).</summary>
    [RegularExpression("^(sqlite|postgres)$")]
    public string Provider { get; set; } = "sqlite";

    /// <summary>Npgsql connection string when Provider is postgres; ignored for SQLite.</summary>
    public string? ConnectionString { get; set; }

    public string SqlitePath => Path.Combine(Path.GetFullPath(DataDir), "wecompany.db");
}
