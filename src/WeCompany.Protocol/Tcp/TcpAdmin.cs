namespace WeCompany.Protocol.Tcp;

/// <summary>One live connection in GET /api/v1/admin/online-users. <c>channel</c> is "tcp" or "websocket".</summary>
public sealed record OnlineUser(long UserId, string Channel, string ConnectionId, DateTimeOffset Since, string NodeId);

/// <summary>GET /api/v1/admin/online-users.</summary>
public sealed record OnlineUsersResponse(IReadOnlyList<OnlineUser> Users);

/// <summary>POST /api/v1/admin/messages: a TEXT frame to one user connected over TCP.</summary>
public sealed record AdminMessageRequest(long? UserId, string? Text);

/// <summary>POST /api/v1/admin/broadcast: a TEXT frame to every user connected over TCP.</summary>
public sealed record AdminBroadcastRequest(string? Text);

/// <summary>How many connections took the message.</summary>
public sealed record AdminDeliveryResult(int Delivered);
