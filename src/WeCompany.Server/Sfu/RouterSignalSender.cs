using WeCompany.Protocol.Signaling;
using WeCompany.Server.Signaling;

namespace WeCompany.Server.Sfu;

/// <summary>The SFU's messages as signaling envelopes from user 0 (session "server"), delivered by the router.</summary>
public sealed class RouterSignalSender(ISignalingRouter router, TimeProvider time) : ISfuSignalSender
{
    private long _counter;

    public bool SendToUser(long meetingId, long userId, int type, object payload) =>
        router.SendToUser(meetingId, userId, Frame(meetingId, userId, type, payload));

    public void Broadcast(long meetingId, int type, object payload) =>
        router.Broadcast(meetingId, Frame(meetingId, null, type, payload));

    private OutboundFrame Frame(long meetingId, long? toUserId, int type, object payload) =>
        new(SignalingJson.Serialize(new SignalingEnvelope<object>(
            "msg_sfu" + Interlocked.Increment(ref _counter).ToString("x", System.Globalization.CultureInfo.InvariantCulture),
            (SignalingMessageType)type, 0, toUserId, meetingId, "server", null, payload, time.GetUtcNow())));
}
