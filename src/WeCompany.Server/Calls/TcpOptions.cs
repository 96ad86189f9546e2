using System.ComponentModel.DataAnnotations;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Server.Calls;

/// <summary>The WeCompany TCP protocol listener and its calls. Section "Tcp".</summary>
public sealed class TcpOptions
{
    /// <summary>False: no TCP listener at all (the REST admin endpoints then see nobody online over TCP).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Address to listen on: any interface by default, like the specification's server.</summary>
    [Required]
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>The specification's default port; 0 picks a free one (tests read <see cref="TcpServer.Port"/>).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 8888;

    /// <summary>A second, TLS-wrapped listener; null: none. 0 picks a free one.</summary>
    [Range(0, 65535)]
    public int? TlsPort { get; set; }

    /// <summary>PKCS#12 (.pfx) certificate for the TLS listener.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of <see cref="CertificatePath"/>, if any.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Largest frame (length field): 1 MiB holds a small file or any video frame we expect.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = FrameFormat.DefaultMaxFrameBytes;

    /// <summary>Bytes queued for one receiver: 4 MiB is four full frames, ~0.3 s of 100 Mbit/s video.</summary>
    [Range(64 * 1024, 1024 * 1024 * 1024)]
    public int MaxQueuedBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Frames queued for one receiver: bounds the queue when frames are tiny.</summary>
    [Range(16, 1_000_000)]
    public int MaxQueuedFrames { get; set; } = 8192;

    /// <summary>No frame for this long closes the connection: three missed 30 s heartbeats.</summary>
    [Range(0.05, 86400)]
    public double IdleTimeoutSeconds { get; set; } = 90;

    /// <summary>A connection that has not registered by then is closed: a login takes well under a second.</summary>
    [Range(0.05, 3600)]
    public double RegisterTimeoutSeconds { get; set; } = 10;

    /// <summary>An unanswered call is rejected with "timeout" after this: what phones do (~45 s).</summary>
    [Range(0.05, 3600)]
    public double RingTimeoutSeconds { get; set; } = 45;

    /// <summary>How long a closing connection may take to flush its last ERROR before it is cut.</summary>
    [Range(0.05, 60)]
    public double CloseGraceSeconds { get; set; } = 2;

    /// <summary>Open connections at most (registered or not): above this new ones are refused at once.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 50_000;
}
