using System.Text.Json;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Signaling;
using WeCompany.Server.Meetings;
using WeCompany.Server.Signaling;

namespace WeCompany.Server.Sfu;

/// <summary>
/// Signaling's door to the SFU: offer (1), answer (2) and ice-candidate (3) messages with to_user_id 0 or absent.
/// The payload is the browser's RTCSessionDescriptionInit (<c>{"type","sdp"}</c>) or RTCIceCandidateInit
/// (<c>{"candidate","sdpMid","sdpMLineIndex"}</c>). Publishing needs a role the permission table allows.
/// </summary>
public sealed class SfuGateway(SfuService sfu, IMeetingDirectory directory) : ISfuGateway
{
    public async ValueTask<SfuAnswer> HandleAsync(long meetingId, long userId, string peerId, SignalingMessageType type, JsonElement payload, CancellationToken cancellationToken)
    {
        if (!sfu.IsRunning)
        {
            return new SfuAnswer(ErrorCodes.SfuUnavailable, "sfu unavailable");
        }

        SfuResult result;
        switch (type)
        {
            case SignalingMessageType.Offer when TryGetString(payload, "sdp", out var sdp):
                var role = await directory.GetRoleAsync(meetingId, userId, cancellationToken);
                if (role is null)
                {
                    return new SfuAnswer(ErrorCodes.SignalingNotJoined, "Not a participant of this meeting.");
                }

                result = await sfu.HandleOfferAsync(meetingId, userId, peerId, sdp, MeetingPermissions.Allows(role.Value, MeetingAction.Publish), cancellationToken);
                break;
            case SignalingMessageType.Answer when TryGetString(payload, "sdp", out var sdp):
                result = await sfu.HandleAnswerAsync(meetingId, userId, peerId, sdp, cancellationToken);
                break;
            case SignalingMessageType.IceCandidate:
                result = sfu.HandleCandidate(TryGetString(payload, "candidate", out var candidate) ? candidate : null);
                break;
            default:
                return new SfuAnswer(ErrorCodes.SignalingMalformed, "payload.sdp is missing.");
        }

        return result.ErrorCode == 0 ? SfuAnswer.Accepted : new SfuAnswer(result.ErrorCode, result.Message);
    }

    public async ValueTask PeerJoinedAsync(long meetingId, long userId, string peerId, CancellationToken cancellationToken) =>
        await sfu.PeerJoinedAsync(meetingId, userId, peerId, cancellationToken);

    public void MediaMuted(long meetingId, long userId, string mediaType, bool muted)
    {
        if (mediaType == "audio")
        {
            sfu.SetAudioMuted(meetingId, userId, muted);
        }
    }

    public async ValueTask PeerLeftAsync(long meetingId, long userId, string peerId, CancellationToken cancellationToken) =>
        await sfu.PeerLeftAsync(meetingId, userId, peerId, cancellationToken);

    private static bool TryGetString(JsonElement payload, string name, out string value)
    {
        value = "";
        if (payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String)
        {
            value = element.GetString()!;
            return true;
        }

        return false;
    }
}
