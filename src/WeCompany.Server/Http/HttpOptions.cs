using System.ComponentModel.DataAnnotations;

namespace WeCompany.Server.Http;

/// <summary>The HTTP surface. Section "Http".</summary>
public sealed class HttpOptions : IValidatableObject
{
    /// <summary>Port for REST, signaling and the web client.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 8080;

    /// <summary>Address to bind; "0.0.0.0" serves every interface, "127.0.0.1" only this machine.</summary>
    [Required]
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>
    /// The URL people reach this server by (e.g. https://meet.example.com), used in join links and the
    /// signaling URL. Empty: derived from each request's scheme and host.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>Origins allowed by CORS and on the signaling socket, besides the server's own. Empty by default.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Request body limit for JSON endpoints: 1 MiB is far above any request but speech audio, which has its own.</summary>
    [Range(1024, 1L << 40)]
    public long MaxBodyBytes { get; set; } = 1 << 20;

    /// <summary>Folder of the built web client; empty: wwwroot beside the server binary.</summary>
    public string? WebRoot { get; set; }

    /// <summary>
    /// Addresses or CIDR ranges of reverse proxies (the nginx gateway) whose X-Forwarded-For/Proto/Host are
    /// believed. Empty by default: the headers are ignored, as a client reaching the node directly could forge them.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        TrustedProxies.Where(entry => !Http.TrustedProxies.IsValidEntry(entry))
            .Select(entry => new ValidationResult($"Http:TrustedProxies: '{entry}' is neither an IP address nor a CIDR range.", [nameof(TrustedProxies)]));
}
