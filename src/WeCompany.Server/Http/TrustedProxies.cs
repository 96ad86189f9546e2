using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace WeCompany.Server.Http;

/// <summary>
/// X-Forwarded-For/Proto/Host from the gateway (nginx): honoured only when the request comes from an address
/// in <see cref="HttpOptions.TrustedProxies"/>. With none configured the headers are ignored, because anyone
/// who can reach the node directly could otherwise choose the client address the login throttle counts.
/// </summary>
public static class TrustedProxies
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HttpOptions>>((forwarded, http) =>
        {
            // ASP.NET Core trusts loopback out of the box; only what is configured is trusted here.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var entry in http.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(entry, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
                else if (System.Net.IPNetwork.TryParse(entry, out var network))
                {
                    forwarded.KnownIPNetworks.Add(network);
                }
            }
            // Empty lists would mean "trust every sender" to the middleware: with nothing configured, read no header.
            forwarded.ForwardedHeaders = forwarded.KnownProxies.Count + forwarded.KnownIPNetworks.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
        });
        return services;
    }

    /// <summary>Whether <paramref name="entry"/> is an address ("10.0.0.10", "::1") or a CIDR range ("10.0.0.0/24").</summary>
    public static bool IsValidEntry(string entry) => IPAddress.TryParse(entry, out _) || System.Net.IPNetwork.TryParse(entry, out _);
}
