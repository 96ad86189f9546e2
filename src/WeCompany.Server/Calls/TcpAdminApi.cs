using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Tcp;
using WeCompany.Server.Accounts;
using WeCompany.Server.Http;
using WeCompany.Server.Presence;

namespace WeCompany.Server.Calls;

/// <summary>Administration of the TCP protocol server: who is online, messages to one user or everyone. System admins only.</summary>
public static class TcpAdminApi
{
    public static RouteGroupBuilder MapTcpAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/admin").WithTags("Admin").RequireAdministrator();
        admin.MapGet("/online-users", OnlineUsers)
            .WithSummary("Everyone online, over TCP and WebSocket (every node of a cluster)")
            .Produces<ApiResponse<OnlineUsersResponse>>().ProducesApiErrors(401, 403);
        admin.MapPost("/messages", SendMessageAsync)
            .WithSummary("Send a TEXT frame to one user connected over TCP")
            .Produces<ApiResponse<AdminDeliveryResult>>().ProducesApiErrors(400, 401, 403, 404);
        admin.MapPost("/broadcast", Broadcast)
            .WithSummary("Send a TEXT frame to every user connected over TCP")
            .Produces<ApiResponse<AdminDeliveryResult>>().ProducesApiErrors(400, 401, 403);
        return admin;
    }

    private static async Task<IResult> OnlineUsers(PresenceRegistry presence, CancellationToken ct) =>
        Api.Ok(new OnlineUsersResponse((await presence.EveryoneAsync(ct))
            .Select(e => new OnlineUser(e.UserId, e.Channel == PresenceChannel.Tcp ? "tcp" : "websocket", e.ConnectionId, e.Since, e.NodeId))
            .ToList()));

    private static Task<IResult> SendMessageAsync(AdminMessageRequest request, HttpContext context, TcpServer tcp)
    {
        if (request.UserId is not > 0 || string.IsNullOrEmpty(request.Text))
        {
            return Task.FromResult(Api.Error(ApiError.Validation("user_id and text are required.")));
        }
        if (System.Text.Encoding.UTF8.GetByteCount(request.Text) > tcp.Options.MaxFrameBytes - FrameFormat.MinimumLength - 20)
        {
            return Task.FromResult(Api.Error(ApiError.Validation("text is longer than a frame.")));
        }
        var sent = tcp.SendMessage(request.UserId.Value, FrameType.Text, context.User.UserId(), System.Text.Encoding.UTF8.GetBytes(request.Text));
        return Task.FromResult(sent
            ? Api.Ok(new AdminDeliveryResult(1))
            : Api.Error(ApiError.NotFound(ErrorCodes.TcpUserOffline, "The user is not connected over TCP.")));
    }

    private static IResult Broadcast(AdminBroadcastRequest request, HttpContext context, TcpServer tcp)
    {
        if (string.IsNullOrEmpty(request.Text))
        {
            return Api.Error(ApiError.Validation("text is required."));
        }
        if (System.Text.Encoding.UTF8.GetByteCount(request.Text) > tcp.Options.MaxFrameBytes - FrameFormat.MinimumLength - 20)
        {
            return Api.Error(ApiError.Validation("text is longer than a frame."));
        }
        var count = tcp.Broadcast(FrameType.Text, context.User.UserId(), System.Text.Encoding.UTF8.GetBytes(request.Text));
        return Api.Ok(new AdminDeliveryResult(count));
    }
}
