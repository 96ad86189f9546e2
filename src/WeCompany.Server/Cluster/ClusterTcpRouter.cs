using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Tcp;
using WeCompany.Server.Calls;

namespace WeCompany.Server.Cluster;

/// <summary>
/// TCP protocol traffic between nodes. A frame for a user registered elsewhere goes on the bus to that user's node
/// ("tcp.deliver"), which hands it to the local connection (or answers the sender with an ERROR if the user just
/// left). Calls live on the caller's node: the callee's node mirrors the call from the CALL_* frames it delivers
/// (incoming → accepted → ended) and forwards the callee's call frames ("call.signal") and media ("tcp.deliver"
/// straight to the other party's node) — so every transition is decided in one place.
/// </summary>
internal sealed class ClusterTcpRouter : ITcpRemoteRoute
{
    internal const string DeliverKind = "tcp.deliver";
    internal const string BroadcastKind = "tcp.broadcast";
    internal const string SignalKind = "call.signal";

    private readonly ClusterBus _bus;
    private readonly ClusterPresence _presence;
    private readonly TcpServer _tcp;
    private readonly VideoCallServer _calls;
    private readonly ConcurrentDictionary<long, MirroredCall> _mirrors = new();
    private readonly byte[] _offline = TcpJson.Serialize(new TcpErrorBody(ErrorCodes.TcpUserOffline, "The user is not online."));

    public ClusterTcpRouter(ClusterBus bus, ClusterPresence presence, VideoCallServer calls)
    {
        _bus = bus;
        _presence = presence;
        _calls = calls;
        _tcp = calls.Tcp;
        bus.On(DeliverKind, OnDeliverAsync);
        bus.On(BroadcastKind, OnBroadcastAsync);
        bus.On(SignalKind, OnSignalAsync);
    }

    /// <summary>Plugs this router into the TCP server; before its listener starts.</summary>
    public void Attach() => _tcp.Remote = this;

    public bool IsOnline(long userId) => _presence.TcpNodeOf(userId) is not null;

    public bool TrySend(long userId, FrameType type, long fromUserId, ReadOnlySpan<byte> prefix, in ReadOnlySequence<byte> data, long replyTo, bool droppable)
    {
        if (_presence.TcpNodeOf(userId) is not { } node)
        {
            return false;
        }
        var bytes = new byte[prefix.Length + data.Length];
        prefix.CopyTo(bytes);
        data.CopyTo(bytes.AsSpan(prefix.Length));
        _bus.Publish(node, DeliverKind, new Delivery(userId, fromUserId, (int)type, bytes, replyTo), droppable);
        return true;
    }

    public int Broadcast(FrameType type, long fromUserId, ReadOnlySpan<byte> data)
    {
        _bus.Publish(null, BroadcastKind, new Delivery(0, fromUserId, (int)type, data.ToArray(), 0));
        return _presence.RemoteTcpUsers;
    }

    public bool IsInCall(long userId) => _mirrors.ContainsKey(userId);

    public bool TryForwardCallSignal(long userId, FrameType type, string callId, string? reason)
    {
        if (!_mirrors.TryGetValue(userId, out var call) || call.CallId != callId)
        {
            return false;
        }
        _bus.Publish(call.OwnerNode, SignalKind, new Signal(userId, (int)type, callId, reason, ByNode: false));
        return true;
    }

    public bool TryRelayMedia(long fromUserId, in ReadOnlySequence<byte> data)
    {
        if (!_mirrors.TryGetValue(fromUserId, out var call) || !call.Accepted || !MediaPayload.TrySplit(data, out var callId, out _)
            || callId.Length != call.CallIdUtf8.Length || !SameBytes(callId, call.CallIdUtf8))
        {
            return false;
        }
        // The caller is on the owner node: media goes there directly, named as from this user.
        _bus.Publish(call.OwnerNode, DeliverKind, new Delivery(call.OtherUser, fromUserId, (int)FrameType.MediaData, data.ToArray(), 0), droppable: true);
        return true;
    }

    public void OnUserDisconnected(long userId)
    {
        if (_mirrors.TryRemove(userId, out var call))
        {
            _bus.Publish(call.OwnerNode, SignalKind, new Signal(userId, (int)FrameType.CallEnd, call.CallId, CallReasons.Disconnected, ByNode: true));
        }
    }

    /// <summary>Ends, for their local party, mirrored calls whose owner node is gone.</summary>
    public void EndCallsOfGoneNodes(IReadOnlySet<string> aliveNodes)
    {
        foreach (var (userId, call) in _mirrors)
        {
            if (!aliveNodes.Contains(call.OwnerNode) && _mirrors.TryRemove(new KeyValuePair<long, MirroredCall>(userId, call)))
            {
                _tcp.SendLocal(userId, FrameType.CallEnd, call.OtherUser, TcpJson.Serialize(new CallBody(call.CallId, CallStates.Ended, Reason: CallReasons.Disconnected)));
            }
        }
    }

    /// <summary>Ends calls hosted here whose remote party is no longer reachable (their node is gone).</summary>
    public void EndCallsWithVanishedParties()
    {
        foreach (var call in _calls.ActiveCalls())
        {
            if (!_tcp.IsReachable(call.Caller) || !_tcp.IsReachable(call.Callee))
            {
                _calls.EndCall(call.Id);
            }
        }
    }

    private ValueTask OnDeliverAsync(BusMessage message, CancellationToken ct)
    {
        var delivery = message.Body.Deserialize<Delivery>(WireJson.Options);
        if (delivery is null)
        {
            return default;
        }
        var type = (FrameType)delivery.Type;
        if (type is FrameType.CallRequest or FrameType.CallAccept or FrameType.CallReject or FrameType.CallEnd && !Mirror(message.From, delivery, type))
        {
            return default;
        }
        if (!_tcp.SendLocal(delivery.To, type, delivery.From, delivery.Data) && delivery.ReplyTo != 0)
        {
            _bus.Publish(message.From, DeliverKind, new Delivery(delivery.ReplyTo, 0, (int)FrameType.Error, _offline, 0));
        }
        return default;
    }

    // Follows a call hosted on another node from the frames it sends our user; false: do not deliver this frame.
    private bool Mirror(string ownerNode, Delivery delivery, FrameType type)
    {
        var body = TcpJson.TryDeserialize<CallBody>(delivery.Data);
        if (body?.CallId is null)
        {
            return true;
        }
        switch (body.State)
        {
            case CallStates.Incoming:
                var call = new MirroredCall(body.CallId, ownerNode, delivery.From);
                if (!_tcp.IsOnline(delivery.To) || _calls.CallOf(delivery.To) is not null || !_mirrors.TryAdd(delivery.To, call))
                {
                    _bus.Publish(ownerNode, SignalKind, new Signal(delivery.To, (int)FrameType.CallReject, body.CallId, CallReasons.Busy, ByNode: true));
                    return false;
                }
                return true;
            case CallStates.Accepted:
                if (_mirrors.TryGetValue(delivery.To, out var accepted) && accepted.CallId == body.CallId)
                {
                    accepted.Accepted = true;
                }
                return true;
            case CallStates.Rejected or CallStates.Ended:
                if (_mirrors.TryGetValue(delivery.To, out var ended) && ended.CallId == body.CallId)
                {
                    _mirrors.TryRemove(new KeyValuePair<long, MirroredCall>(delivery.To, ended));
                }
                return type != FrameType.CallRequest;
            default:
                return true;
        }
    }

    private ValueTask OnBroadcastAsync(BusMessage message, CancellationToken ct)
    {
        if (message.Body.Deserialize<Delivery>(WireJson.Options) is { } delivery)
        {
            _tcp.BroadcastLocal((FrameType)delivery.Type, delivery.From, delivery.Data);
        }
        return default;
    }

    private ValueTask OnSignalAsync(BusMessage message, CancellationToken ct)
    {
        if (message.Body.Deserialize<Signal>(WireJson.Options) is { } signal)
        {
            _calls.HandleRemoteSignal(signal.UserId, (FrameType)signal.Type, signal.CallId, signal.Reason, signal.ByNode);
        }
        return default;
    }

    private static bool SameBytes(in ReadOnlySequence<byte> bytes, byte[] expected)
    {
        Span<byte> copy = stackalloc byte[FrameFormat.MaxCallIdBytes];
        bytes.CopyTo(copy);
        return copy[..expected.Length].SequenceEqual(expected);
    }

    /// <summary>One frame for a user on the receiving node (To = 0: a broadcast); ReplyTo hears ERROR if To is gone.</summary>
    internal sealed record Delivery(long To, long From, int Type, byte[] Data, long ReplyTo);

    /// <summary>A call frame of <see cref="UserId"/> for the call's owner node; ByNode: the node's own notice (busy, gone).</summary>
    internal sealed record Signal(long UserId, int Type, string CallId, string? Reason, bool ByNode);

    private sealed class MirroredCall(string callId, string ownerNode, long otherUser)
    {
        public string CallId { get; } = callId;

        public byte[] CallIdUtf8 { get; } = System.Text.Encoding.ASCII.GetBytes(callId);

        public string OwnerNode { get; } = ownerNode;

        public long OtherUser { get; } = otherUser;

        public volatile bool Accepted;
    }
}
