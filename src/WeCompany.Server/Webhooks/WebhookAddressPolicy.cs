using System.Net;
using System.Net.Sockets;

namespace WeCompany.Server.Webhooks;

/// <summary>
/// Which endpoint URLs and target addresses are allowed (SSRF). The URL is checked when an administrator registers it;
/// the address is checked again when the request connects, after DNS (so a name that later resolves to a private
/// address is refused too, and the request goes to exactly the address that was checked).
/// </summary>
public static class WebhookAddressPolicy
{
    // 2 KiB: longer than any receiver URL we have seen, short enough to list.
    public const int MaxUrlLength = 2048;

    /// <summary>The problem with <paramref name="text"/> as an endpoint URL, or null when it may be used.</summary>
    public static string? CheckUrl(string? text, bool allowPrivate, out Uri? url)
    {
        url = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return "url is required";
        }
        if (text.Length > MaxUrlLength)
        {
            return $"url must be at most {MaxUrlLength} characters";
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            return "url must be an absolute http:// or https:// URL";
        }
        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            return "url must not carry a user name or password (the signature authenticates the server)";
        }
        if (!string.IsNullOrEmpty(parsed.Fragment))
        {
            return "url must not have a #fragment";
        }
        if (!allowPrivate)
        {
            var host = parsed.IdnHost.TrimEnd('.');
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            {
                return "url points at this machine (localhost); loopback and private targets need Webhooks:AllowPrivateNetworks";
            }
            if (IPAddress.TryParse(parsed.Host.Trim('[', ']'), out var literal) && !IsPublic(literal))
            {
                return "url points at a loopback, private or reserved address; such targets need Webhooks:AllowPrivateNetworks";
            }
        }
        url = parsed;
        return null;
    }

    /// <summary>True for addresses on the public internet; false for loopback, private, link-local, shared, multicast and reserved ranges.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(b[0] == 0                                  // 0.0.0.0/8 "this network"
                || b[0] == 10                                   // 10/8 private (RFC 1918)
                || b[0] == 127                                  // loopback
                || (b[0] == 100 && (b[1] & 0xC0) == 64)         // 100.64/10 shared address space (RFC 6598)
                || (b[0] == 169 && b[1] == 254)                 // link-local, cloud metadata services
                || (b[0] == 172 && (b[1] & 0xF0) == 16)         // 172.16/12 private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)      // 192.0.0/24 protocol assignments
                || (b[0] == 192 && b[1] == 0 && b[2] == 2)      // TEST-NET-1
                || (b[0] == 192 && b[1] == 168)                 // 192.168/16 private
                || (b[0] == 198 && (b[1] & 0xFE) == 18)         // 198.18/15 benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)   // TEST-NET-2
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)    // TEST-NET-3
                || b[0] >= 224);                                // multicast, reserved, broadcast
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        if (address.Equals(IPAddress.IPv6Loopback) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal
            || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
        {
            return false;
        }
        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        // 64:ff9b::/96 (NAT64) and ::/96 (IPv4-compatible) embed an IPv4 address: judge that one.
        if ((v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b) || v6[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublic(new IPAddress(v6[12..]));
        }
        // 2001:db8::/32 documentation; 2002::/16 6to4 embeds an IPv4 address in bytes 2–5.
        if (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0d && v6[3] == 0xb8)
        {
            return false;
        }
        if (v6[0] == 0x20 && v6[1] == 0x02)
        {
            return IsPublic(new IPAddress(v6[2..6]));
        }
        return (v6[0] & 0xE0) == 0x20; // only global unicast 2000::/3 is public
    }
}
