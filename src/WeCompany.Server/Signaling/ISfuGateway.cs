using System.Text.Json;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Signaling;

namespace WeCompany.Server.Signaling;

/// <summary>The answer of the SFU to a signaling message: nothing, or an error code and message for the sender.</summary>
public readonly record struct SfuAnswer(int ErrorCode, string? ErrorMessage)
{
    public static SfuAnswer Accepted => default;
}

/// <summary>
/// Where offer, answer and ice-candidate messages without a <c>to_user_id</c> (or with 0) go: the server-side
/// media peer. The SFU feature implements it; it sends its own answers and candidates back through
/// <see cref="ISignalingRouter"/>.
/// </summary>
public interface ISfuGateway
{
    /// <summary>Handles one SDP or candidate message of (meeting, user, peer). <paramref name="payload"/> is valid during the call only.</summary>
    ValueTask<SfuAnswer> HandleAsync(long meetingId, long userId, string peerId, SignalingMessageType type, JsonElement payload, CancellationToken cancellationToken);

    /// <summary>The peer left its room: release its media resources.</summary>
    ValueTask PeerLeftAsync(long meetingId, long userId, string peerId, CancellationToken cancellationToken);

    /// <summary>The peer joined its room: a receive-only client never offers, so the SFU offers it the room's media.</summary>
    ValueTask PeerJoinedAsync(long meetingId, long userId, string peerId, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>A user's audio or video was muted or unmuted (by themselves or a moderator): the SFU enforces it in the media path.</summary>
    void MediaMuted(long meetingId, long userId, string mediaType, bool muted)
    {
    }
}

/// <summary>The gateway of a server without an SFU: every message to it is answered with error 50008.</summary>
public sealed class NoSfuGateway : ISfuGateway
{
    public ValueTask<SfuAnswer> HandleAsync(long meetingId, long userId, string peerId, SignalingMessageType type, JsonElement payload, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new SfuAnswer(ErrorCodes.SfuUnavailable, "sfu unavailable"));

    public ValueTask PeerLeftAsync(long meetingId, long userId, string peerId, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
