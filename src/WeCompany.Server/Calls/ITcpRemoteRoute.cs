using System.Buffers;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Server.Calls;

/// <summary>
/// Where TCP protocol traffic goes when its user is not connected to this node: the cluster attaches one
/// (Cluster/ClusterTcpRouter); the embedded server has none and everything stays local. Calls between nodes live
/// on the caller's node; the callee's node keeps a mirror of the call and forwards the callee's frames.
/// </summary>
internal interface ITcpRemoteRoute
{
    /// <summary>True when <paramref name="userId"/> is registered over TCP on another node.</summary>
    bool IsOnline(long userId);

    /// <summary>
    /// Sends one frame to a user registered on another node; <paramref name="replyTo"/> (a local user, or 0) hears
    /// an ERROR if the user turns out to be gone there. A droppable frame (media) may be dropped. False when no
    /// other node has the user.
    /// </summary>
    bool TrySend(long userId, FrameType type, long fromUserId, ReadOnlySpan<byte> prefix, in ReadOnlySequence<byte> data, long replyTo, bool droppable);

    /// <summary>Sends one frame to every user registered on other nodes; answers how many there are.</summary>
    int Broadcast(FrameType type, long fromUserId, ReadOnlySpan<byte> data);

    /// <summary>True when the local user is a party of a call hosted by another node.</summary>
    bool IsInCall(long userId);

    /// <summary>Forwards a CALL_ACCEPT/REJECT/END of a local user to the node hosting that call; false when it is no such call.</summary>
    bool TryForwardCallSignal(long userId, FrameType type, string callId, string? reason);

    /// <summary>Forwards MEDIA_DATA of a local user in an accepted call hosted by another node; false when it is no such call.</summary>
    bool TryRelayMedia(long fromUserId, in ReadOnlySequence<byte> data);

    /// <summary>A local user's TCP connection closed: a call hosted elsewhere ends for them.</summary>
    void OnUserDisconnected(long userId);
}
