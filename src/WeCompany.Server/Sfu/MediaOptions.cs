using System.ComponentModel.DataAnnotations;

namespace WeCompany.Server.Sfu;

/// <summary>The "Media" configuration section: where the SFU listens and what it announces.</summary>
public sealed class MediaOptions
{
    /// <summary>Run the SFU at all (off: offers to the server are answered "sfu unavailable").</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The UDP port for every peer (ICE-lite on one port); 7880 as LiveKit uses; 0 picks a free one (tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 7880;

    /// <summary>Also accept ICE over TCP (RFC 6544 passive candidates) on the same port number, for networks that block UDP.</summary>
    public bool TcpEnabled { get; set; } = true;

    /// <summary>ICE-TCP streams open at once; more are refused at accept, so idle streams (≈ 200 KB of buffers each) cannot exhaust memory.</summary>
    [Range(1, 100_000)]
    public int MaxTcpConnections { get; set; } = 1000;

    /// <summary>The address the UDP socket binds.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Addresses announced as host candidates (the public IP behind 1:1 NAT); empty: every local interface address.</summary>
    public List<string> PublicAddresses { get; set; } = [];

    /// <summary>Tracks one participant may publish (microphone, camera, screen, with room to re-publish).</summary>
    [Range(1, 64)]
    public int MaxTracksPerParticipant { get; set; } = 8;

    /// <summary>m-sections one subscriber's connection may grow to before old inactive ones stop being kept (browsers slow down past a few hundred).</summary>
    [Range(8, 1024)]
    public int MaxSectionsPerParticipant { get; set; } = 256;

    /// <summary>Offers and answers one participant may send per minute (10,000 offers must not tie up the server).</summary>
    [Range(1, 10000)]
    public int MaxDescriptionsPerMinute { get; set; } = 120;

    /// <summary>The most a publisher is told it may send (bits/s, REMB beside transport-cc): 2.5 Mbit/s fits 720p camera video.</summary>
    [Range(100_000, 100_000_000)]
    public long MaxPublishBitrate { get; set; } = 2_500_000;

    /// <summary>Congestion feedback to publishers; off only to measure what it gives (Chrome then stays near 300 kbit/s).</summary>
    public bool CongestionFeedback { get; set; } = true;

    /// <summary>At most one active-speaker notice per room this often (milliseconds).</summary>
    [Range(100, 60000)]
    public int ActiveSpeakerIntervalMs { get; set; } = 1000;
}
