namespace WeCompany.Server.Sfu;

internal static partial class SfuLog
{
    [LoggerMessage(1, LogLevel.Information, "SFU listening on UDP port {Port}; candidates {Addresses}")]
    public static partial void Started(ILogger logger, int port, string addresses);

    [LoggerMessage(2, LogLevel.Information, "Media peer {PeerId} of meeting {MeetingId} closed: {Reason}")]
    public static partial void PeerClosed(ILogger logger, long meetingId, string peerId, string? reason);

    [LoggerMessage(3, LogLevel.Debug, "Offer from {PeerId} ignored: the server's offer is outstanding (the client rolls back)")]
    public static partial void Glare(ILogger logger, string peerId);

    [LoggerMessage(4, LogLevel.Warning, "Renegotiation with {PeerId} failed")]
    public static partial void RenegotiationFailed(ILogger logger, Exception exception, string peerId);

    [LoggerMessage(5, LogLevel.Debug, "Offer {Version} sent to {PeerId} with {Sections} sections")]
    public static partial void OfferSent(ILogger logger, string peerId, ulong version, int sections);
}
