using System.Text.Json.Serialization;

namespace WeCompany.Server.Sfu;

/// <summary>Payload of offer (1) and answer (2): the RTCSessionDescriptionInit the browser gives and takes.</summary>
public sealed record SfuSdpPayload(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("sdp")] string Sdp);

/// <summary>
/// Payload of the media-control (10) notice the SFU broadcasts when the active speaker changes: the shape of
/// the specification's media-control (action, media_type, user_id, peer_id) with action "active_speaker"
/// and by_user_id 0 (the server).
/// </summary>
public sealed record ActiveSpeakerPayload(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("media_type")] string MediaType,
    [property: JsonPropertyName("user_id")] long UserId,
    [property: JsonPropertyName("peer_id")] string PeerId,
    [property: JsonPropertyName("by_user_id")] long ByUserId);

/// <summary>
/// How the SFU talks back to participants (from_user_id 0). Signaling implements it over its router; the
/// SFU never touches sockets. Implementations are thread-safe.
/// </summary>
public interface ISfuSignalSender
{
    /// <summary>Sends one message of <paramref name="type"/> (1 offer, 2 answer, 3 candidate, 10 media-control) to a participant.</summary>
    bool SendToUser(long meetingId, long userId, int type, object payload);

    /// <summary>Sends one message to everyone joined in the meeting.</summary>
    void Broadcast(long meetingId, int type, object payload);
}
