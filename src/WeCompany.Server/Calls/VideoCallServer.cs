using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Tcp;

namespace WeCompany.Server.Calls;

/// <summary>The outcome of a call operation.</summary>
public enum CallResult
{
    Ok,
    NotFound,
    /// <summary>The user may not do this to this call (not a party, or not the callee).</summary>
    NotAllowed,
    /// <summary>The call is not in a state that allows it (already accepted, already ended).</summary>
    WrongState,
    CallerBusy,
    CalleeBusy,
    CalleeOffline,
    CallerOffline,
}

/// <summary>
/// The specification's VideoCallServer: 1:1 call sessions over the TCP protocol, their signaling and the relay of
/// MEDIA_DATA between the two parties of an accepted call. Both parties are told every transition. A user is in
/// at most one call. Thread-safe: transitions take one lock (calls are rare); the media path takes none.
/// </summary>
public sealed class VideoCallServer : IDisposable
{
    private readonly TcpServer _tcp;
    private readonly TimeProvider _time;
    private readonly ILogger<VideoCallServer> _logger;
    private readonly TimeSpan _ringTimeout;
    private readonly ConcurrentDictionary<string, CallSession> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, CallSession> _byUser = new();
    private readonly Lock _gate = new();
    private readonly byte[] _mediaRefused;

    public VideoCallServer(TcpServer tcp, IOptions<TcpOptions> options, TimeProvider time, ILogger<VideoCallServer> logger)
    {
        _tcp = tcp;
        _time = time;
        _logger = logger;
        _ringTimeout = TimeSpan.FromSeconds(options.Value.RingTimeoutSeconds);
        _mediaRefused = TcpJson.Serialize(new TcpErrorBody(ErrorCodes.TcpCallNotAllowed, "MEDIA_DATA is relayed only within your own accepted call."));
        tcp.Attach(this);
    }

    /// <summary>The TCP server this call server signals through.</summary>
    public TcpServer Tcp => _tcp;

    /// <summary>Calls that are ringing or accepted.</summary>
    public IReadOnlyList<CallSession> ActiveCalls() => _calls.Values.ToList();

    public CallSession? Find(string callId) => _calls.TryGetValue(callId, out var call) ? call : null;

    /// <summary>The call <paramref name="userId"/> is in, if any.</summary>
    public CallSession? CallOf(long userId) => _byUser.TryGetValue(userId, out var call) ? call : null;

    /// <summary>
    /// The specification's initiateCall: rings <paramref name="callee"/>. The caller gets CALL_REQUEST
    /// <c>{call_id, state: "ringing"}</c> and the callee <c>{call_id, video}</c>; a busy or offline callee makes the
    /// caller get CALL_REJECT with that reason instead.
    /// </summary>
    public CallResult InitiateCall(long caller, long callee, bool isVideo) => InitiateCall(caller, callee, isVideo, out _);

    public CallResult InitiateCall(long caller, long callee, bool isVideo, out CallSession? call)
    {
        call = null;
        if (!_tcp.IsOnline(caller))
        {
            return CallResult.CallerOffline;
        }
        CallResult refusal;
        var session = new CallSession(caller, callee, isVideo, _time.GetUtcNow());
        lock (_gate)
        {
            if (caller == callee || InCall(caller))
            {
                return CallResult.CallerBusy;
            }
            // A callee on another node who is busy there is found out by that node, which rejects with "busy".
            refusal = !_tcp.IsReachable(callee) ? CallResult.CalleeOffline : InCall(callee) ? CallResult.CalleeBusy : CallResult.Ok;
            if (refusal == CallResult.Ok)
            {
                _byUser[caller] = session;
                _byUser[callee] = session;
                _calls[session.Id] = session;
                session.RingTimer = _time.CreateTimer(OnRingTimeout, session, _ringTimeout, Timeout.InfiniteTimeSpan);
            }
        }
        if (refusal != CallResult.Ok)
        {
            var reason = refusal == CallResult.CalleeBusy ? CallReasons.Busy : CallReasons.Offline;
            Tell(caller, FrameType.CallReject, callee, new CallBody(session.Id, CallStates.Rejected, Reason: reason));
            TcpLog.CallChanged(_logger, session.Id, CallStates.Rejected, reason);
            return refusal;
        }
        Tell(caller, FrameType.CallRequest, callee, new CallBody(session.Id, CallStates.Ringing, Video: isVideo));
        Tell(callee, FrameType.CallRequest, caller, new CallBody(session.Id, CallStates.Incoming, Video: isVideo));
        TcpLog.CallChanged(_logger, session.Id, CallStates.Ringing, isVideo ? "video" : "audio");
        call = session;
        return CallResult.Ok;
    }

    /// <summary>The specification's acceptCall, as the server (any ringing call).</summary>
    public CallResult AcceptCall(string callId) => Accept(callId, byUser: null);

    /// <summary>The specification's rejectCall, as the server.</summary>
    public CallResult RejectCall(string callId, string reason) => Reject(callId, null, reason);

    /// <summary>The specification's endCall, as the server.</summary>
    public CallResult EndCall(string callId) => End(callId, null, CallReasons.HungUp);

    /// <summary>
    /// The specification's relayMediaData: sends media to the other party of an accepted call, as MEDIA_DATA from
    /// <paramref name="fromUser"/>. Media is real-time: it may be dropped when the receiver is slow.
    /// </summary>
    public bool RelayMediaData(string callId, long fromUser, ReadOnlySpan<byte> mediaData)
    {
        if (!_byUser.TryGetValue(fromUser, out var call) || call.Id != callId || call.State != CallState.Accepted
            || !_tcp.TryGetConnection(fromUser, out var sender))
        {
            return false;
        }
        if (!_tcp.TryGetConnection(call.Other(fromUser), out var target))
        {
            var data = new ReadOnlySequence<byte>([.. call.MediaPrefix, .. mediaData]);
            return _tcp.Remote?.TrySend(call.Other(fromUser), FrameType.MediaData, fromUser, [], data, replyTo: 0, droppable: true) == true;
        }
        return target.Send(FrameType.MediaData, sender.UserIdUtf8, call.MediaPrefix, mediaData) is EnqueueResult.Queued or EnqueueResult.QueuedAfterDroppingMedia;
    }

    // The hot path: one MEDIA_DATA frame from a connection's read loop. No allocation, no lock.
    internal void RelayMedia(TcpConnection from, in ReadOnlySequence<byte> data)
    {
        if (MediaPayload.TrySplit(data, out var callId, out _)
            && _byUser.TryGetValue(from.UserId, out var call)
            && call.State == CallState.Accepted
            && SequenceEquals(callId, call.IdUtf8))
        {
            // The data already is [callIdLen][callId][media]: forwarded as is, with the sender named.
            if (_tcp.TryGetConnection(call.Other(from.UserId), out var target))
            {
                target.Send(FrameType.MediaData, from.UserIdUtf8, [], data);
                return;
            }
            // The other party is on another node: real-time media, dropped rather than queued when the bus is full.
            if (_tcp.Remote?.TrySend(call.Other(from.UserId), FrameType.MediaData, from.UserId, [], data, replyTo: 0, droppable: true) is not null)
            {
                return;
            }
        }
        else if (_tcp.Remote?.TryRelayMedia(from.UserId, data) == true)
        {
            return;
        }
        _tcp.CountProtocolError();
        from.Send(FrameType.Error, [], _mediaRefused);
    }

    internal void HandleSignal(TcpConnection from, in Frame frame)
    {
        var user = from.UserId;
        var json = frame.Data.IsSingleSegment ? frame.Data.FirstSpan : frame.Data.ToArray();
        if (frame.Type == FrameType.CallRequest)
        {
            var request = TcpJson.TryDeserialize<CallRequestBody>(json);
            if (request is null || !FrameText.TryParseUserId(frame.UserId, out var callee))
            {
                TcpServer.SendError(from, ErrorCodes.TcpMalformedFrame, "CALL_REQUEST needs userId = the callee and data = {\"video\": bool}.");
                return;
            }
            if (InitiateCall(user, callee, request.Video) == CallResult.CallerBusy)
            {
                TcpServer.SendError(from, ErrorCodes.TcpCallNotAllowed, "You are already in a call (or called yourself).");
            }
            return;
        }
        var body = TcpJson.TryDeserialize<CallBody>(json);
        if (body?.CallId is null)
        {
            TcpServer.SendError(from, ErrorCodes.TcpMalformedFrame, "Call frames need data = {\"call_id\": \"...\"}.");
            return;
        }
        var result = Transition(frame.Type, body.CallId, user, body.Reason);
        if (result == CallResult.NotFound && _tcp.Remote?.TryForwardCallSignal(user, frame.Type, body.CallId, body.Reason) == true)
        {
            return;
        }
        if (Describe(result) is { } error)
        {
            TcpServer.SendError(from, error.Code, error.Message);
        }
    }

    /// <summary>
    /// A call frame of <paramref name="user"/>, connected to another node, for a call hosted here (the cluster's
    /// forwarding). <paramref name="byNode"/>: the other node speaks for its user — a CALL_REJECT means the callee is
    /// busy there (and never saw the call), a CALL_END that their connection closed.
    /// </summary>
    internal void HandleRemoteSignal(long user, FrameType type, string callId, string? reason, bool byNode)
    {
        if (byNode && type == FrameType.CallReject && _calls.TryGetValue(callId, out var ringing) && ringing.Callee == user)
        {
            // The callee never saw this call: only the caller is told.
            Finish(ringing, CallState.Ringing, FrameType.CallReject, CallReasons.Busy, skip: user);
            return;
        }
        if (byNode)
        {
            if (_calls.TryGetValue(callId, out var call) && call.Involves(user))
            {
                Finish(call, null, FrameType.CallEnd, CallReasons.Disconnected, skip: user);
            }
            return;
        }
        if (Describe(Transition(type, callId, user, reason)) is { } error)
        {
            _tcp.SendMessage(user, FrameType.Error, 0, TcpJson.Serialize(new TcpErrorBody(error.Code, error.Message)));
        }
    }

    private bool InCall(long userId) => _byUser.ContainsKey(userId) || _tcp.Remote?.IsInCall(userId) == true;

    private CallResult Transition(FrameType type, string callId, long user, string? reason) => type switch
    {
        FrameType.CallAccept => Accept(callId, user),
        FrameType.CallReject => Reject(callId, user, string.IsNullOrWhiteSpace(reason) ? CallReasons.Declined : reason),
        _ => End(callId, user, CallReasons.HungUp),
    };

    private static (int Code, string Message)? Describe(CallResult result) => result switch
    {
        CallResult.NotFound => (ErrorCodes.TcpCallNotFound, "No such call."),
        CallResult.NotAllowed => (ErrorCodes.TcpCallNotAllowed, "Only the callee can accept or reject, and only the parties can end a call."),
        CallResult.WrongState => (ErrorCodes.TcpCallNotAllowed, "The call is not ringing."),
        _ => null,
    };

    /// <summary>A party's connection closed (or was replaced): the other party gets CALL_END "disconnected".</summary>
    internal void OnUserDisconnected(long userId)
    {
        if (_byUser.TryGetValue(userId, out var call))
        {
            Finish(call, null, FrameType.CallEnd, CallReasons.Disconnected, skip: userId);
        }
        else
        {
            _tcp.Remote?.OnUserDisconnected(userId);
        }
    }

    private CallResult Accept(string callId, long? byUser)
    {
        if (!_calls.TryGetValue(callId, out var call))
        {
            return CallResult.NotFound;
        }
        lock (_gate)
        {
            if (byUser is { } user && user != call.Callee)
            {
                return call.Involves(user) ? CallResult.NotAllowed : CallResult.NotFound;
            }
            if (call.State != CallState.Ringing)
            {
                return CallResult.WrongState;
            }
            call.State = CallState.Accepted;
            call.RingTimer?.Dispose();
        }
        Tell(call.Caller, FrameType.CallAccept, call.Callee, new CallBody(call.Id, CallStates.Accepted));
        Tell(call.Callee, FrameType.CallAccept, call.Caller, new CallBody(call.Id, CallStates.Accepted));
        TcpLog.CallChanged(_logger, call.Id, CallStates.Accepted, "");
        return CallResult.Ok;
    }

    private CallResult Reject(string callId, long? byUser, string reason)
    {
        if (!_calls.TryGetValue(callId, out var call))
        {
            return CallResult.NotFound;
        }
        if (byUser is { } user && user != call.Callee)
        {
            return call.Involves(user) ? CallResult.NotAllowed : CallResult.NotFound;
        }
        return Finish(call, CallState.Ringing, FrameType.CallReject, reason, skip: 0);
    }

    private CallResult End(string callId, long? byUser, string reason)
    {
        if (!_calls.TryGetValue(callId, out var call))
        {
            return CallResult.NotFound;
        }
        if (byUser is { } user && !call.Involves(user))
        {
            return CallResult.NotFound;
        }
        return Finish(call, null, FrameType.CallEnd, reason, skip: 0);
    }

    private void OnRingTimeout(object? state) =>
        Finish((CallSession)state!, CallState.Ringing, FrameType.CallReject, CallReasons.Timeout, skip: 0);

    // Ends a call once: removes it, stops its timer, tells both parties (but not skip, who is gone).
    private CallResult Finish(CallSession call, CallState? requiredState, FrameType type, string reason, long skip)
    {
        lock (_gate)
        {
            if (call.State == CallState.Ended || (requiredState is { } required && call.State != required))
            {
                return CallResult.WrongState;
            }
            call.State = CallState.Ended;
            call.RingTimer?.Dispose();
            _calls.TryRemove(call.Id, out _);
            _byUser.TryRemove(new KeyValuePair<long, CallSession>(call.Caller, call));
            _byUser.TryRemove(new KeyValuePair<long, CallSession>(call.Callee, call));
        }
        var state = type == FrameType.CallReject ? CallStates.Rejected : CallStates.Ended;
        var body = new CallBody(call.Id, state, Reason: reason);
        if (skip != call.Caller)
        {
            Tell(call.Caller, type, call.Callee, body);
        }
        if (skip != call.Callee)
        {
            Tell(call.Callee, type, call.Caller, body);
        }
        TcpLog.CallChanged(_logger, call.Id, state, reason);
        return CallResult.Ok;
    }

    private void Tell(long to, FrameType type, long about, CallBody body) =>
        _tcp.SendMessage(to, type, about, TcpJson.Serialize(body));

    private static bool SequenceEquals(in ReadOnlySequence<byte> bytes, ReadOnlySpan<byte> expected)
    {
        if (bytes.Length != expected.Length)
        {
            return false;
        }
        if (bytes.IsSingleSegment)
        {
            return bytes.FirstSpan.SequenceEqual(expected);
        }
        Span<byte> copy = stackalloc byte[FrameFormat.MaxCallIdBytes];
        bytes.CopyTo(copy);
        return copy[..expected.Length].SequenceEqual(expected);
    }

    public void Dispose()
    {
        foreach (var call in _calls.Values)
        {
            call.RingTimer?.Dispose();
        }
    }
}
