using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;

namespace WeCompany.Server.Meetings;

/// <summary>The meetings endpoints of the specification's "会议服务 API", with moderation ("权限控制").</summary>
public static class MeetingsApi
{
    public static IEndpointRouteBuilder MapMeetings(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/meetings").WithTags("Meetings").RequireAuthorization();
        group.MapPost("", CreateAsync)
            .WithSummary("Schedule a meeting; answers its id, code and join URL")
            .Produces<ApiResponse<MeetingCreated>>(201).ProducesApiErrors(400, 401);
        group.MapGet("", ListAsync)
            .WithSummary("The meetings the caller may see (public, hosted, invited to, joined), newest start first")
            .Produces<ApiResponse<MeetingPage>>().ProducesApiErrors(400, 401);
        group.MapGet("/code/{meetingCode}", GetByCodeAsync)
            .WithSummary("A meeting by its code (ABC-DEF-GHI; case and dashes do not matter)")
            .Produces<ApiResponse<MeetingDetails>>().ProducesApiErrors(400, 401, 404);
        group.MapGet("/{id}", GetAsync)
            .WithSummary("A meeting by id")
            .Produces<ApiResponse<MeetingDetails>>().ProducesApiErrors(400, 401, 404);
        group.MapPut("/{id}", UpdateAsync)
            .WithSummary("Change a meeting (host or co-host; not after it ended)")
            .Produces<ApiResponse<MeetingDetails>>().ProducesApiErrors(400, 401, 403, 404, 409);
        group.MapDelete("/{id}", DeleteAsync)
            .WithSummary("Delete a meeting (host; not while it is active)")
            .Produces<ApiResponse<object>>().ProducesApiErrors(400, 401, 403, 404, 409);
        group.MapPost("/{id}/end", EndAsync)
            .WithSummary("End the meeting for everyone (host)")
            .Produces<ApiResponse<object>>().ProducesApiErrors(400, 401, 403, 404, 409);
        group.MapPost("/{id}/join", JoinAsync)
            .WithSummary("Join; answers the signaling URL, ICE servers and a session token (idempotent)")
            .Produces<ApiResponse<JoinMeetingResult>>().ProducesApiErrors(400, 401, 403, 404, 409, 429);
        group.MapPost("/{id}/leave", LeaveAsync)
            .WithSummary("Leave the meeting")
            .Produces<ApiResponse<object>>().ProducesApiErrors(400, 401, 403, 404);
        group.MapGet("/{id}/participants", ParticipantsAsync)
            .WithSummary("Who is in the meeting now: role, joined_at, mute state")
            .Produces<ApiResponse<ParticipantList>>().ProducesApiErrors(400, 401, 404);
        group.MapPost("/{id}/mute-all", MuteAllAsync)
            .WithSummary("Mute everyone the caller may mute (host, co-host)")
            .Produces<ApiResponse<MuteAllResult>>().ProducesApiErrors(400, 401, 403, 404, 409);
        group.MapPost("/{id}/participants/{participantId}/kick", KickAsync)
            .WithSummary("Remove a participant; they cannot rejoin (host; co-host for participants and audience)")
            .Produces<ApiResponse<object>>().ProducesApiErrors(400, 401, 403, 404, 409);
        group.MapPost("/{id}/participants/{participantId}/role", RoleAsync)
            .WithSummary("Make a participant co-host, participant or audience (host)")
            .Produces<ApiResponse<ParticipantInfo>>().ProducesApiErrors(400, 401, 403, 404, 409);
        group.MapPost("/{id}/participants/{participantId}/mute", MuteAsync)
            .WithSummary("Mute a participant's audio or video (host, co-host)")
            .Produces<ApiResponse<object>>().ProducesApiErrors(400, 401, 403, 404, 409);
        return app;
    }

    private static async Task<IResult> CreateAsync(CreateMeetingRequest request, HttpContext context, MeetingService meetings, IOptions<HttpOptions> http, CancellationToken ct) =>
        (await meetings.CreateAsync(context.User.UserId(), request, PublicBase(context, http.Value), ct)).ToHttp(201);

    // Query values arrive as text so that "page=x" answers our validation error rather than the framework's.
    private static async Task<IResult> ListAsync(HttpContext context, MeetingService meetings, CancellationToken ct,
        [FromQuery] string? status = null, [FromQuery] string? page = null, [FromQuery(Name = "page_size")] string? pageSize = null)
    {
        if (!TryInt(page, out var number) || !TryInt(pageSize, out var size))
        {
            return Api.Error(ApiError.Validation("page and page_size must be whole numbers"));
        }
        return (await meetings.ListAsync(context.User.UserId(), string.IsNullOrEmpty(status) ? null : status, number, size, ct)).ToHttp();
    }

    private static async Task<IResult> GetByCodeAsync(string meetingCode, HttpContext context, MeetingService meetings, IOptions<HttpOptions> http, CancellationToken ct) =>
        (await meetings.GetByCodeAsync(meetingCode, PublicBase(context, http.Value), ct)).ToHttp();

    private static async Task<IResult> GetAsync(string id, HttpContext context, MeetingService meetings, IOptions<HttpOptions> http, CancellationToken ct) =>
        MeetingRules.TryParseId(id, out var meetingId)
            ? (await meetings.GetForUserAsync(meetingId, context.User.UserId(), PublicBase(context, http.Value), ct)).ToHttp()
            : BadId("meeting id");

    private static async Task<IResult> UpdateAsync(string id, UpdateMeetingRequest request, HttpContext context, MeetingService meetings, IOptions<HttpOptions> http, CancellationToken ct) =>
        MeetingRules.TryParseId(id, out var meetingId)
            ? (await meetings.UpdateAsync(meetingId, context.User.UserId(), request, PublicBase(context, http.Value), ct)).ToHttp()
            : BadId("meeting id");

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, MeetingService meetings, CancellationToken ct) =>
        MeetingRules.TryParseId(id, out var meetingId)
            ? (await meetings.DeleteAsync(meetingId, context.User.UserId(), ct)).ToHttp()
            : BadId("meeting id");

    private static async Task<IResult> EndAsync(string id, HttpContext context, MeetingService meetings, CancellationToken ct) =>
        MeetingRules.TryParseId(id, out var meetingId)
            ? (await meetings.EndAsync(meetingId, context.User.UserId(), ct)).ToHttp()
            : BadId("meeting id");

    private static async Task<IResult> JoinAsync(string id, HttpContext context, MeetingService meetings, IOptions<HttpOptions> http, CancellationToken ct)
    {
        if (!MeetingRules.TryParseId(id, out var meetingId))
        {
            return BadId("meeting id");
        }
        // The body is optional: a meeting without a password needs none.
        var request = await context.ReadOptionalJsonAsync<JoinMeetingRequest>(ct) ?? new JoinMeetingRequest(null);
        return (await meetings.JoinAsync(context.User.Identity(), meetingId, request, PublicBase(context, http.Value), context.ClientAddress(), ct)).ToHttp();
    }

    private static async Task<IResult> LeaveAsync(string id, HttpContext context, MeetingService meetings, CancellationToken ct) =>
        MeetingRules.TryParseId(id, out var meetingId)
            ? (await meetings.LeaveAsync(meetingId, context.User.UserId(), ct)).ToHttp()
            : BadId("meeting id");

    private static async Task<IResult> ParticipantsAsync(string id, HttpContext context, MeetingService meetings, CancellationToken ct) =>
        MeetingRules.TryParseId(id, out var meetingId)
            ? (await meetings.ListParticipantsAsync(meetingId, context.User.UserId(), ct)).ToHttp()
            : BadId("meeting id");

    private static async Task<IResult> MuteAllAsync(string id, HttpContext context, MeetingService meetings, CancellationToken ct) =>
        MeetingRules.TryParseId(id, out var meetingId)
            ? (await meetings.MuteAllAsync(meetingId, context.User.UserId(), ct)).ToHttp()
            : BadId("meeting id");

    private static async Task<IResult> KickAsync(string id, string participantId, HttpContext context, MeetingService meetings, CancellationToken ct) =>
        !MeetingRules.TryParseId(id, out var meetingId) ? BadId("meeting id")
        : !MeetingRules.TryParseId(participantId, out var target) ? BadId("participant id")
        : (await meetings.KickAsync(meetingId, context.User.UserId(), target, ct)).ToHttp();

    private static async Task<IResult> RoleAsync(string id, string participantId, ChangeRoleRequest request, HttpContext context, MeetingService meetings, CancellationToken ct) =>
        !MeetingRules.TryParseId(id, out var meetingId) ? BadId("meeting id")
        : !MeetingRules.TryParseId(participantId, out var target) ? BadId("participant id")
        : (await meetings.ChangeRoleAsync(meetingId, context.User.UserId(), target, request, ct)).ToHttp();

    private static async Task<IResult> MuteAsync(string id, string participantId, HttpContext context, MeetingService meetings, CancellationToken ct)
    {
        if (!MeetingRules.TryParseId(id, out var meetingId))
        {
            return BadId("meeting id");
        }
        if (!MeetingRules.TryParseId(participantId, out var target))
        {
            return BadId("participant id");
        }
        // The body is optional: no body mutes the microphone.
        var request = await context.ReadOptionalJsonAsync<MuteParticipantRequest>(ct) ?? new MuteParticipantRequest(null);
        return (await meetings.MuteAsync(meetingId, context.User.UserId(), target, request, ct)).ToHttp();
    }

    /// <summary>The public URL (scheme and host) join links and the signaling URL are built on.</summary>
    internal static string PublicBase(HttpContext context, HttpOptions http) =>
        !string.IsNullOrEmpty(http.PublicUrl) ? http.PublicUrl.TrimEnd('/') : context.Request.Scheme + "://" + context.Request.Host.Value;

    private static IResult BadId(string what) => Api.Error(ApiError.Validation($"The {what} must be a number."));

    private static bool TryInt(string? text, out int? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        if (int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }
        return false;
    }
}
