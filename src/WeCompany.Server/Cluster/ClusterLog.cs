namespace WeCompany.Server.Cluster;

internal static partial class ClusterLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Cluster bus listener lost PostgreSQL; retrying in {DelayMs} ms")]
    public static partial void BusListenFailed(ILogger logger, double delayMs, Exception exception);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Cluster bus listener of node {NodeId} reconnected; the log covered the gap: {Covered}")]
    public static partial void BusReconnected(ILogger logger, string nodeId, bool covered);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "A cluster bus message could not be handled")]
    public static partial void BusDispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Error, Message = "{Count} cluster bus messages could not be published")]
    public static partial void BusPublishFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Warning, Message = "Cluster heartbeat of node {NodeId} failed")]
    public static partial void HeartbeatFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Information, Message = "Node {NodeId} joined the cluster")]
    public static partial void NodeStarted(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 9007, Level = LogLevel.Information, Message = "Node {NodeId} drains: {Sockets} signaling sockets and {TcpConnections} TCP connections told to reconnect")]
    public static partial void Draining(ILogger logger, string nodeId, int sockets, int tcpConnections);

    [LoggerMessage(EventId = 9008, Level = LogLevel.Information, Message = "Node {NodeId} drained in {Milliseconds} ms ({Remaining} connections left)")]
    public static partial void Drained(ILogger logger, string nodeId, long milliseconds, int remaining);

    [LoggerMessage(EventId = 9009, Level = LogLevel.Warning, Message = "Presence of node {NodeId} could not be written")]
    public static partial void PresenceWriteFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message = "The cluster room table could not be updated for meeting {MeetingId}")]
    public static partial void RoomClaimFailed(ILogger logger, long meetingId, Exception exception);

    [LoggerMessage(EventId = 9011, Level = LogLevel.Information, Message = "Meeting {MeetingId} opened here while node {PreviousNode} hosted it: asked that node to hand it over")]
    public static partial void RoomTakenOver(ILogger logger, long meetingId, string previousNode);

    [LoggerMessage(EventId = 9012, Level = LogLevel.Information, Message = "Meeting {MeetingId} moved to node {NodeId}: {Sockets} signaling sockets told to reconnect")]
    public static partial void RoomHandedOver(ILogger logger, long meetingId, string nodeId, int sockets);
}
