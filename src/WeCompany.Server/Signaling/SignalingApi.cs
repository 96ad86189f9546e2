using System.Globalization;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Signaling;
using WeCompany.Server.Accounts;
using WeCompany.Server.Http;

namespace WeCompany.Server.Signaling;

/// <summary>
/// The signaling socket (<c>GET /ws/signaling</c>) and the chat history endpoint. Every refusal of the socket
/// is an HTTP answer in the error envelope before any upgrade: a client learns why it may not connect.
/// </summary>
public static class SignalingApi
{
    /// <summary>Longest peer_id accepted: client-generated ids are UUIDs or shorter.</summary>
    private const int MaxPeerIdLength = 128;

    public static IEndpointRouteBuilder MapSignaling(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ws/signaling", ConnectAsync)
            .WithTags("Signaling")
            .WithSummary("The signaling WebSocket: ?token=&meeting_id=&user_id=&peer_id= (see docs/protocol/signaling.md)")
            .ProducesApiErrors(400, 401, 403, 404, 426, 503);
        app.MapGet("/api/v1/meetings/{id:long}/messages", HistoryAsync)
            .RequireAuthorization()
            .WithTags("Signaling")
            .WithSummary("Chat messages after after_seq (oldest first), for participants of the meeting")
            .Produces<ApiResponse<ChatHistoryPage>>()
            .ProducesApiErrors(400, 401, 403, 404);
        return app;
    }

    private static async Task ConnectAsync(HttpContext context, TokenService tokens, IOptions<HttpOptions> http, IServiceProvider services)
    {
        var hub = services.GetRequiredService<SignalingHub>();
        var logger = services.GetRequiredService<ILogger<SignalingHub>>();
        var (refusal, user, meetingId, peerId, admission) = await CheckAsync(context, tokens, http.Value, hub);
        if (refusal is not null)
        {
            SignalingLog.Refused(logger, refusal.Status, refusal.Code, refusal.Details);
            await Api.WriteErrorAsync(context, refusal);
            return;
        }
        // Optional: the newest chat seq the client saw, so a resume replays from there.
        long? lastSeq = long.TryParse(context.Request.Query["last_seq"], NumberStyles.None, CultureInfo.InvariantCulture, out var seen) ? seen : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = false });
        await hub.RunAsync(socket, meetingId, user!, peerId!, admission!, lastSeq);
    }

    private static async Task<(ApiError? Refusal, AuthenticatedUser? User, long MeetingId, string? PeerId, MeetingAdmission? Admission)> CheckAsync(
        HttpContext context, TokenService tokens, HttpOptions http, SignalingHub hub)
    {
        var request = context.Request;
        if (request.Headers.Origin.ToString() is { Length: > 0 } origin && !OriginAllowed(origin, request, http))
        {
            return (ApiError.Forbidden(ErrorCodes.Forbidden, $"Origin {origin} may not open the signaling socket."), null, 0, null, null);
        }
        var token = request.Query["token"].ToString();
        if (token.Length == 0 && request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }
        if (token.Length == 0)
        {
            return (ApiError.Unauthorized(ErrorCodes.TokenMissing, "A token is required (query parameter token)."), null, 0, null, null);
        }
        if (!TryPositive(request.Query["meeting_id"], out var meetingId) || !TryPositive(request.Query["user_id"], out var userId))
        {
            return (ApiError.Validation("meeting_id and user_id must be positive integers."), null, 0, null, null);
        }
        var peerId = request.Query["peer_id"].ToString();
        if (peerId.Length is 0 or > MaxPeerIdLength || !peerId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return (ApiError.Validation($"peer_id is required: 1 to {MaxPeerIdLength} letters, digits, '-', '_' or '.'."), null, 0, null, null);
        }
        // The join endpoint's session token (bound to this meeting) is accepted as well as an access token.
        var check = await tokens.ValidateForMeetingAsync(token, meetingId);
        if (!check.IsValid)
        {
            return (ApiError.Unauthorized(check.ErrorCode, check.Detail ?? "The token is not valid."), null, 0, null, null);
        }
        if (check.User!.UserId != userId)
        {
            return (ApiError.Forbidden(ErrorCodes.TokenInvalid, "user_id is not the token's user."), null, 0, null, null);
        }
        var admission = await hub.Directory.AdmitAsync(meetingId, userId, context.RequestAborted);
        var refusal = Refusal(admission.Status);
        if (refusal is not null)
        {
            return (refusal, null, 0, null, null);
        }
        if (hub.RoomCount >= hub.Options.MaxRoomsPerNode && !hub.HostsRoom(meetingId))
        {
            return (ApiError.ForStatus(503) with { Details = "This node hosts as many rooms as it may." }, null, 0, null, null);
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return (new ApiError(426, "UpgradeRequired", ErrorCodes.ValidationFailed, "Upgrade required", "Open this URL as a WebSocket."), null, 0, null, null);
        }
        return (null, check.User, meetingId, peerId, admission);
    }

    internal static ApiError? Refusal(AdmissionStatus status) => status switch
    {
        AdmissionStatus.Admitted => null,
        AdmissionStatus.MeetingNotFound => ApiError.NotFound(ErrorCodes.MeetingNotFound, "No such meeting."),
        AdmissionStatus.MeetingEnded => ApiError.Forbidden(ErrorCodes.MeetingEnded, "The meeting has ended."),
        AdmissionStatus.Kicked => ApiError.Forbidden(ErrorCodes.KickedFromMeeting, "You were removed from this meeting."),
        _ => ApiError.Forbidden(ErrorCodes.NotInMeeting, "Join the meeting (POST /api/v1/meetings/{id}/join) first."),
    };

    private static bool OriginAllowed(string origin, HttpRequest request, HttpOptions http)
    {
        var own = request.Scheme + "://" + request.Host.Value;
        if (string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            || (http.PublicUrl is { Length: > 0 } publicUrl && string.Equals(origin, publicUrl.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }
        return http.AllowedOrigins.Any(allowed => string.Equals(origin, allowed.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
    }

    private static bool TryPositive(string? text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;

    private static async Task<IResult> HistoryAsync(long id, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "after_seq")] long? afterSeq, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] int? limit, HttpContext context, IServiceProvider services, CancellationToken ct)
    {
        var hub = services.GetRequiredService<SignalingHub>();
        var maxPage = hub.Options.MaxHistoryPage;
        if (afterSeq is < 0 || limit is < 1 || limit > maxPage)
        {
            return Api.Error(ApiError.Validation($"after_seq must be 0 or more and limit between 1 and {maxPage}."));
        }
        var userId = context.User.UserId();
        var admission = await hub.Directory.AdmitAsync(id, userId, ct);
        // Active participants only: the directory cannot tell who was present in an ended meeting.
        if (admission.Status != AdmissionStatus.Admitted)
        {
            return Api.Error(Refusal(admission.Status)!);
        }
        var take = limit ?? 50;
        var rows = await hub.Chat.ListAfterAsync(id, userId, afterSeq ?? 0, take + 1, ct);
        var items = rows.Take(take).Select(r => new ChatHistoryItem(r.Seq, r.MessageId, r.FromUserId, r.Username, r.ToUserId, r.Content,
            DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt))).ToList();
        return Api.Ok(new ChatHistoryPage(items, items.Count > 0 ? items[^1].Seq : afterSeq ?? 0, rows.Count > take));
    }
}
