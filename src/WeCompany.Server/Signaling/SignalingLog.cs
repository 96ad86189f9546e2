namespace WeCompany.Server.Signaling;

internal static partial class SignalingLog
{
    [LoggerMessage(1, LogLevel.Information, "Signaling socket {ConnectionId} opened: meeting {MeetingId} user {UserId} peer {PeerId}")]
    public static partial void Opened(ILogger logger, string connectionId, long meetingId, long userId, string peerId);

    [LoggerMessage(2, LogLevel.Information, "Signaling socket {ConnectionId} closed ({Code} {Reason})")]
    public static partial void Closed(ILogger logger, string connectionId, int code, string reason);

    [LoggerMessage(3, LogLevel.Information, "Session resumed: meeting {MeetingId} user {UserId} peer {PeerId}, {Replayed} chat messages replayed")]
    public static partial void Resumed(ILogger logger, long meetingId, long userId, string peerId, int replayed);

    [LoggerMessage(4, LogLevel.Warning, "Slow consumer disconnected: meeting {MeetingId} user {UserId}")]
    public static partial void SlowConsumer(ILogger logger, long meetingId, long userId);

    [LoggerMessage(5, LogLevel.Warning, "Signaling connection refused with {Status} {Code}: {Details}")]
    public static partial void Refused(ILogger logger, int status, int code, string? details);

    [LoggerMessage(6, LogLevel.Error, "Signaling fault on {ConnectionId}")]
    public static partial void Fault(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(7, LogLevel.Error, "Handling meeting event {Event} failed")]
    public static partial void EventFault(ILogger logger, string @event, Exception exception);

    [LoggerMessage(8, LogLevel.Information, "Rooms reconciled with the meetings store: {Rooms} rooms, {Sessions} sessions checked, {Changed} changed")]
    public static partial void Reconciled(ILogger logger, int rooms, int sessions, int changed);
}
