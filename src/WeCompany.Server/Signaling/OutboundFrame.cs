namespace WeCompany.Server.Signaling;

/// <summary>
/// One serialized message ready for the socket. A broadcast serializes once and queues the same bytes for
/// every recipient. <see cref="ChatSeq"/> is the chat sequence number the frame carries (0 for other
/// types): once the frame is written the session's resume point moves to it.
/// </summary>
public readonly record struct OutboundFrame(byte[] Utf8, long ChatSeq = 0);
