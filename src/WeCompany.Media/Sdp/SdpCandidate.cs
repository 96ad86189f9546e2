using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace WeCompany.Media.Sdp;

/// <summary>A local ICE candidate the server announces (RFC 8839 §5.1).</summary>
/// <param name="Foundation">Candidate foundation.</param>
/// <param name="Transport">"udp" or "tcp".</param>
/// <param name="Priority">RFC 8445 §5.1.2 priority.</param>
/// <param name="Address">IP address.</param>
/// <param name="Port">Port.</param>
/// <param name="TcpType">For TCP (RFC 6544 §4.5): "passive" for a server that only accepts; null for UDP.</param>
public sealed record SdpCandidate(string Foundation, string Transport, uint Priority, IPAddress Address, int Port, string? TcpType = null)
{
    /// <summary>RFC 8445 §5.1.2.2: host candidates have type preference 126.</summary>
    public const int HostTypePreference = 126;

    /// <summary>A host UDP candidate with the highest local preference.</summary>
    public static SdpCandidate HostUdp(IPAddress address, int port, string foundation = "1") =>
        new(foundation, "udp", ComputePriority(HostTypePreference, 65535, 1), address, port);

    /// <summary>
    /// A host TCP passive candidate (RFC 6544 §4.2: local preference = 2^13 × direction preference +
    /// other preference; passive is 4 for host candidates). Ranks below UDP so clients try UDP first.
    /// </summary>
    public static SdpCandidate HostTcpPassive(IPAddress address, int port, string foundation = "2") =>
        new(foundation, "tcp", ComputePriority(HostTypePreference, (4 << 13) + 8191, 1), address, port, "passive");

    /// <summary>RFC 8445 §5.1.2.1: 2^24 × type pref + 2^8 × local pref + (256 − component).</summary>
    public static uint ComputePriority(int typePreference, int localPreference, int componentId) =>
        (uint)((typePreference << 24) + (localPreference << 8) + (256 - componentId));

    /// <summary>The value after "a=candidate:": "1 1 udp 2130706431 192.0.2.1 7880 typ host".</summary>
    public string AttributeValue
    {
        get
        {
            // Component 1 only: rtcp-mux is required.
            var text = string.Create(CultureInfo.InvariantCulture, $"{Foundation} 1 {Transport} {Priority} {Address} {Port} typ host");
            return TcpType is null ? text : $"{text} tcptype {TcpType}";
        }
    }

    /// <summary>The candidate as trickled in signaling (RTCIceCandidate.candidate): "candidate:1 1 udp ...".</summary>
    public override string ToString() => "candidate:" + AttributeValue;

    /// <summary>"IP4" or "IP6" for c= lines.</summary>
    public string AddressType => Address.AddressFamily == AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
}
