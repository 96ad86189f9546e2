using System.Security.Cryptography;
using WeCompany.Media.Forwarding;
using WeCompany.Media.Sdp;

namespace WeCompany.Server.Sfu;

/// <summary>One m-section of a participant's connection to the SFU, in the order the SDP lists them.</summary>
internal sealed class SfuSection
{
    public required string Mid { get; init; }

    public required MediaKind Kind { get; init; }

    /// <summary>The client created it (it publishes on it); otherwise the server added it to forward a track.</summary>
    public required bool FromClient { get; init; }

    /// <summary>Client sections: the direction the client last gave (sendonly when it publishes).</summary>
    public SdpDirection ClientDirection { get; set; } = SdpDirection.SendOnly;

    /// <summary>Codecs as negotiated (client sections: our answer's; server sections: the publisher's).</summary>
    public List<SdpCodec> Codecs { get; } = [];

    /// <summary>Header extensions as negotiated (client sections only; the server forwards none).</summary>
    public List<SdpExtmap> Extmaps { get; } = [];

    /// <summary>Client sections: the track received on it.</summary>
    public PublishedTrack? Published { get; set; }

    /// <summary>Server sections: "publisherPeerId/mid" of the forwarded track.</summary>
    public string? TrackKey { get; init; }

    /// <summary>Server sections: the down-track feeding it.</summary>
    public DownTrack? Down { get; set; }

    /// <summary>Server sections: the source announced while active; null once the track left (inactive).</summary>
    public SdpMediaSource? Source { get; set; }

    /// <summary>The client rejected the section (port 0): it stays, rejected, in later offers (RFC 8829 §5.2.2).</summary>
    public bool Rejected { get; set; }
}

/// <summary>One participant connection (a signaling peer id) on the SFU: its media peer and its negotiation state.</summary>
internal sealed class SfuParticipant
{
    public SfuParticipant(SfuRoom room, long userId, string peerId, MediaPeer peer)
    {
        Room = room;
        UserId = userId;
        PeerId = peerId;
        Peer = peer;
        // RFC 8866 §5.2: one session id for every description we send on this connection.
        SessionId = (BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public SfuRoom Room { get; }

    public long UserId { get; }

    public string PeerId { get; }

    public MediaPeer Peer { get; }

    public string SessionId { get; }

    /// <summary>Serialises negotiation: one offer or answer at a time per participant (no glare with ourselves).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Guarded by <see cref="Gate"/>.</summary>
    public List<SfuSection> Sections { get; } = [];

    public bool AwaitingAnswer { get; set; }

    public DateTimeOffset OfferSentAt { get; set; }

    public bool RenegotiationPending { get; set; }

    public ulong Version { get; set; } = 1;

    public int NextServerMid { get; set; }

    public bool MayPublish { get; set; } = true;

    public bool Closed { get; set; }

    // Rate limit of descriptions (offers and answers) per minute.
    public long WindowStart { get; set; }

    public int WindowCount { get; set; }
}

/// <summary>One meeting on the SFU: its participants and the tracks they publish.</summary>
internal sealed class SfuRoom
{
    public SfuRoom(long meetingId) => MeetingId = meetingId;

    public long MeetingId { get; }

    public Lock Gate { get; } = new();

    /// <summary>By signaling peer id. Guarded by <see cref="Gate"/>.</summary>
    public Dictionary<string, SfuParticipant> Participants { get; } = new(StringComparer.Ordinal);

    /// <summary>Published tracks by "publisherPeerId-mid" (also the msid track id). Guarded by <see cref="Gate"/>.</summary>
    public Dictionary<string, RoomTrack> Tracks { get; } = new(StringComparer.Ordinal);

    /// <summary>Users whose audio the host muted. Guarded by <see cref="Gate"/>.</summary>
    public HashSet<long> MutedUsers { get; } = [];

    /// <summary>The user announced as active speaker (0: nobody yet).</summary>
    public long ActiveSpeaker { get; set; }

    public long LastSpeakerNotice { get; set; }

    public SfuParticipant[] Snapshot()
    {
        lock (Gate)
        {
            return [.. Participants.Values];
        }
    }
}

/// <summary>A track the room forwards: the engine's track, the codecs subscribers are offered, its publisher.</summary>
internal sealed record RoomTrack(PublishedTrack Track, IReadOnlyList<SdpCodec> Codecs, string PublisherPeerId, long PublisherUserId);
