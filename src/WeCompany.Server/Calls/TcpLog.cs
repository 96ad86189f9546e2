namespace WeCompany.Server.Calls;

/// <summary>Log messages of the TCP protocol server and its calls.</summary>
internal static partial class TcpLog
{
    [LoggerMessage(1, LogLevel.Information, "WeCompany TCP protocol listening on {Address}:{Port} (tls: {Tls})")]
    public static partial void Listening(ILogger logger, string address, int port, bool tls);

    [LoggerMessage(2, LogLevel.Debug, "Connection {ConnectionId} registered user {UserId}")]
    public static partial void Registered(ILogger logger, string connectionId, long userId);

    [LoggerMessage(3, LogLevel.Information, "User {UserId} connected again; connection {ConnectionId} replaced")]
    public static partial void Replaced(ILogger logger, long userId, string connectionId);

    [LoggerMessage(4, LogLevel.Debug, "Connection {ConnectionId}: protocol error {Error}")]
    public static partial void ProtocolError(ILogger logger, string connectionId, string error);

    [LoggerMessage(5, LogLevel.Warning, "User {UserId} does not read fast enough: disconnected ({ConnectionId})")]
    public static partial void SlowReceiver(ILogger logger, long userId, string connectionId);

    [LoggerMessage(6, LogLevel.Debug, "TLS handshake failed")]
    public static partial void TlsFailed(ILogger logger, Exception exception);

    [LoggerMessage(7, LogLevel.Debug, "Connection {ConnectionId}: registration refused ({Code})")]
    public static partial void RegisterRefused(ILogger logger, string connectionId, int code);

    [LoggerMessage(8, LogLevel.Error, "Connection {ConnectionId} failed")]
    public static partial void ConnectionFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(9, LogLevel.Information, "Call {CallId} {State} ({Reason})")]
    public static partial void CallChanged(ILogger logger, string callId, string state, string reason);

    [LoggerMessage(10, LogLevel.Warning, "Connections at the limit ({Limit}): refusing a new one")]
    public static partial void TooManyConnections(ILogger logger, int limit);
}
