namespace WeCompany.Protocol.Rest;

/// <summary>
/// Business error codes carried in <c>error.code</c> of the REST error envelope and in signaling error
/// payloads. 10001–40002 are the specification's table; the others are ours, in ranges of their own.
/// docs/protocol/rest.md lists each with the HTTP status it maps to.
/// </summary>
public static class ErrorCodes
{
    // Accounts (specification).
    public const int InvalidCredentials = 10001;
    public const int UserNotFound = 10002;
    public const int UserExists = 10003;
    public const int TokenInvalid = 10004;
    public const int TokenExpired = 10005;
    // Accounts (ours).
    public const int EmailExists = 10006;
    public const int RefreshTokenInvalid = 10007;
    public const int LoginThrottled = 10008;
    public const int PasswordRejected = 10009;
    public const int NotAdministrator = 10010;
    public const int TokenMissing = 10011;

    // Meetings (specification).
    public const int MeetingNotFound = 20001;
    public const int MeetingEnded = 20002;
    public const int MeetingFull = 20003;
    public const int MeetingPasswordWrong = 20004;
    // Meetings (ours).
    public const int MeetingPermissionDenied = 20005;
    public const int KickedFromMeeting = 20006;
    public const int ParticipantNotFound = 20007;
    public const int MeetingActive = 20008;
    public const int NotInMeeting = 20009;

    // Files (specification).
    public const int UploadFailed = 30001;
    public const int FileTypeUnsupported = 30002;
    public const int FileTooLarge = 30003;
    // Files (ours).
    public const int FileNotFound = 30004;
    public const int QuotaExceeded = 30005;

    // AI (specification).
    public const int AiUnavailable = 40001;
    public const int AiFailed = 40002;
    // AI (ours).
    public const int AiBusy = 40003;

    // Signaling and protocol (ours).
    public const int SignalingMalformed = 50001;
    public const int SignalingUnknownType = 50002;
    public const int SignalingTooLarge = 50003;
    public const int SignalingForbidden = 50004;
    public const int SignalingRateLimited = 50005;
    public const int SignalingTargetUnknown = 50006;
    public const int SignalingNotJoined = 50007;
    public const int SfuUnavailable = 50008;
    public const int SignalingAlreadyJoined = 50009;
    public const int ScreenShareBusy = 50010;
    public const int ChatTooLong = 50011;

    // TCP protocol (ours; docs/protocol/tcp.md).
    public const int TcpMalformedFrame = 60001;
    public const int TcpFrameTooLarge = 60002;
    public const int TcpUnknownType = 60003;
    public const int TcpNotRegistered = 60004;
    public const int TcpUserOffline = 60005;
    public const int TcpReplaced = 60006;
    public const int TcpCallNotFound = 60007;
    public const int TcpCallNotAllowed = 60008;
    public const int TcpIdleTimeout = 60009;
    public const int TcpAlreadyRegistered = 60010;
    public const int TcpServerStopping = 60011;

    // Cluster (ours; docs/cluster.md).
    /// <summary>The node is draining (shutting down): reconnect, and the load balancer picks another node.</summary>
    public const int NodeDraining = 70001;

    /// <summary>The meeting's room moved to another node (it opened there too): reconnect, and the load balancer sends you there.</summary>
    public const int RoomMoved = 70002;

    // Webhooks (ours; docs/webhooks.md).
    /// <summary>No webhook endpoint with that id.</summary>
    public const int WebhookNotFound = 80001;

    /// <summary>The endpoint URL is refused: not http(s), credentials in it, or a loopback/private target while those are not allowed.</summary>
    public const int WebhookUrlRejected = 80002;

    /// <summary>The secret is shorter than 24 or longer than 256 characters.</summary>
    public const int WebhookSecretRejected = 80003;

    /// <summary>The event filter names an event type that does not exist.</summary>
    public const int WebhookUnknownEvent = 80004;

    // Generic request faults (ours).
    public const int ValidationFailed = 90001;
    public const int MalformedBody = 90002;
    public const int UnsupportedMediaType = 90003;
    public const int PayloadTooLarge = 90004;
    public const int RouteNotFound = 90005;
    public const int MethodNotAllowed = 90006;
    public const int RateLimited = 90007;
    public const int InternalError = 90008;
    public const int ServiceUnavailable = 90009;
    public const int Forbidden = 90010;
}
