using System.Collections.Concurrent;
using WeCompany.Server.Sfu;

namespace WeCompany.Server.Tests.Sfu;

/// <summary>Keeps what the SFU sends to each user, in order, so tests can read offers, answers and notices.</summary>
internal sealed class RecordingSignalSender : ISfuSignalSender
{
    public ConcurrentQueue<(long MeetingId, long UserId, int Type, object Payload)> Sent { get; } = new();

    public bool SendToUser(long meetingId, long userId, int type, object payload)
    {
        Sent.Enqueue((meetingId, userId, type, payload));
        return true;
    }

    public void Broadcast(long meetingId, int type, object payload) => Sent.Enqueue((meetingId, 0, type, payload));

    /// <summary>The latest SDP of <paramref name="type"/> sent to <paramref name="userId"/> after the first <paramref name="skip"/>.</summary>
    public async Task<string> WaitForSdpAsync(long userId, int type, int skip = 0)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var found = Sent.Where(m => m.UserId == userId && m.Type == type).Skip(skip).Select(m => ((SfuSdpPayload)m.Payload).Sdp).FirstOrDefault();
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"No SDP of type {type} for user {userId} within 10 s.");
    }
}
