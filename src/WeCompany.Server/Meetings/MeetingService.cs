using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Accounts;
using WeCompany.Server.Diagnostics;
using WeCompany.Server.Http;

namespace WeCompany.Server.Meetings;

/// <summary>
/// Meetings: scheduling, the lifecycle, joining and moderation (the participation half is in
/// MeetingService.Participation.cs). REST calls it, and so do other features: signaling asks
/// <see cref="GetAsync"/>, <see cref="GetActiveParticipantAsync"/>, <see cref="GetParticipantsAsync"/>,
/// <see cref="IceServers"/>, <see cref="SetMutedAsync"/> and <see cref="LeaveAsync"/>. Every change is stored
/// first, then published on <see cref="IMeetingEventBus"/>. Thread-safe.
/// </summary>
public sealed partial class MeetingService(
    MeetingStore meetings,
    ParticipantStore participants,
    TurnCredentials turn,
    TokenService tokens,
    IPasswordHasher<UserRecord> hasher,
    IMeetingEventBus events,
    IOptions<MeetingsOptions> options,
    MetricsRegistry metrics,
    IOptions<AuthOptions> authOptions,
    TimeProvider time,
    ILogger<MeetingService> logger)
{
    // Wrong meeting passwords are throttled like sign-ins (per user and meeting, and per address), before hashing.
    private readonly LoginThrottle _passwordGuesses = new(authOptions, time);
    private readonly Counter _created = metrics.Counter("wecompany_meetings_created_total", "Meetings scheduled.");
    private readonly Counter _joins = metrics.Counter("wecompany_meeting_joins_total", "Participants admitted to a meeting (idempotent re-joins not counted).");
    private readonly Counter _refusedJoins = metrics.Counter("wecompany_meeting_joins_refused_total", "Joins refused: full, ended, kicked or wrong password.");
    private readonly Counter _ended = metrics.Counter("wecompany_meetings_ended_total", "Meetings ended, by their host or for staying empty.");

    // Meeting passwords are hashed with the accounts' hasher; it only needs an instance to hash "for".
    private static readonly UserRecord PasswordOwner = new();

    private MeetingsOptions Options => options.Value;

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<Result<MeetingCreated>> CreateAsync(long hostId, CreateMeetingRequest request, string publicBase, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var settings = request.Settings;
        var requirePassword = settings?.RequirePassword ?? !string.IsNullOrEmpty(settings?.Password);
        var start = now;
        var problem = MeetingRules.Title(request.Title)
            ?? MeetingRules.Description(request.Description)
            ?? (request.StartTime is null ? null : MeetingRules.StartTime(request.StartTime, now, Options.StartTimeGraceSeconds, out start))
            ?? MeetingRules.Duration(request.Duration ?? 60, Options.MaxDurationMinutes)
            ?? MeetingRules.MaxParticipants(request.MaxParticipants ?? Math.Min(100, Options.MaxParticipantsCap), Options.MaxParticipantsCap)
            ?? MeetingRules.Password(requirePassword, settings?.Password, false)
            ?? (request.InvitedUserIds is { Count: > MeetingRules.MaxInvitees } ? $"invited_user_ids may name at most {MeetingRules.MaxInvitees} users" : null);
        if (problem is not null)
        {
            return ApiError.Validation(problem);
        }
        var fields = new MeetingFields(
            request.Title!.Trim(), request.Description ?? "", start.ToUnixTimeMilliseconds(), request.Duration ?? 60,
            request.MaxParticipants ?? Math.Min(100, Options.MaxParticipantsCap), request.IsPublic ?? false,
            settings?.EnableRecording ?? false, settings?.EnableAiAnalysis ?? false, requirePassword,
            requirePassword ? hasher.HashPassword(PasswordOwner, settings!.Password!) : null, settings?.ScreenShareRequiresGrant ?? false);
        var invitees = (request.InvitedUserIds ?? []).Where(id => id > 0 && id != hostId).Distinct().ToArray();
        // 23⁹ codes: a clash is rare enough that a few fresh draws always find a free one.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var meeting = await meetings.InsertAsync(MeetingCode.New(), hostId, fields, invitees, now.ToUnixTimeMilliseconds(), ct);
            if (meeting is not null)
            {
                Log.Created(logger, meeting.Id, hostId);
                _created.Increment();
                return new MeetingCreated(meeting.Id, meeting.Title, meeting.Code, JoinUrl(publicBase, meeting.Code), hostId,
                    meeting.Status, MeetingView.Time(meeting.CreatedAt));
            }
        }
        return ApiError.ServerError("No free meeting code was found; try again.");
    }

    public async Task<Result<MeetingPage>> ListAsync(long userId, string? status, int? page, int? pageSize, CancellationToken ct)
    {
        if (status is not null && !MeetingStatuses.IsKnown(status))
        {
            return ApiError.Validation("status must be scheduled, active or ended");
        }
        var number = page ?? 1;
        var size = pageSize ?? 20;
        if (number < 1 || number > 1_000_000)
        {
            return ApiError.Validation("page must be between 1 and 1000000");
        }
        if (size < 1)
        {
            return ApiError.Validation($"page_size must be between 1 and {MeetingRules.MaxPageSize}");
        }
        // Larger pages are served at the cap rather than refused: the answer's page_size says what was used.
        size = Math.Min(size, MeetingRules.MaxPageSize);
        var (items, total) = await meetings.ListAsync(userId, status, (number - 1) * size, size, ct);
        return new MeetingPage(items, total, number, size, (int)((total + size - 1) / size));
    }

    /// <summary>GET by id: meetings the user may not see answer 404, as if they did not exist.</summary>
    public async Task<Result<MeetingDetails>> GetForUserAsync(long meetingId, long userId, string publicBase, CancellationToken ct)
    {
        var meeting = await meetings.FindByIdAsync(meetingId, ct);
        if (meeting is null || (meeting.HostId != userId && !await meetings.IsVisibleAsync(meetingId, userId, ct)))
        {
            return NotFound();
        }
        return Details(meeting, publicBase);
    }

    /// <summary>GET by code: knowing the code is enough to see the meeting (it is what invitations carry).</summary>
    public async Task<Result<MeetingDetails>> GetByCodeAsync(string code, string publicBase, CancellationToken ct)
    {
        if (!MeetingCode.TryNormalize(code, out var normalized))
        {
            return ApiError.Validation("meeting_code must look like ABC-DEF-GHI");
        }
        var meeting = await meetings.FindByCodeAsync(normalized, ct);
        return meeting is null ? NotFound() : Details(meeting, publicBase);
    }

    public async Task<Result<MeetingDetails>> UpdateAsync(long meetingId, long userId, UpdateMeetingRequest request, string publicBase, CancellationToken ct)
    {
        var meeting = await meetings.FindByIdAsync(meetingId, ct);
        if (meeting is null)
        {
            return NotFound();
        }
        if (meeting.Status == MeetingStatuses.Ended)
        {
            return Ended();
        }
        if (await DenyAsync(meeting, userId, MeetingAction.UpdateMeeting, ct) is { } denied)
        {
            return denied;
        }
        var now = time.GetUtcNow();
        var settings = request.Settings;
        var start = MeetingView.Time(meeting.StartTime);
        var requirePassword = settings?.RequirePassword ?? (meeting.RequirePassword || !string.IsNullOrEmpty(settings?.Password));
        var problem = (request.Title is null ? null : MeetingRules.Title(request.Title))
            ?? MeetingRules.Description(request.Description)
            ?? (request.StartTime is null ? null : MeetingRules.StartTime(request.StartTime, now, Options.StartTimeGraceSeconds, out start))
            ?? (request.Duration is { } d ? MeetingRules.Duration(d, Options.MaxDurationMinutes) : null)
            ?? (request.MaxParticipants is { } max ? MeetingRules.MaxParticipants(max, Options.MaxParticipantsCap) : null)
            ?? MeetingRules.Password(requirePassword, settings?.Password, meeting.PasswordHash is not null);
        if (problem is not null)
        {
            return ApiError.Validation(problem);
        }
        var hash = !requirePassword ? null
            : !string.IsNullOrEmpty(settings?.Password) ? hasher.HashPassword(PasswordOwner, settings.Password)
            : meeting.PasswordHash;
        var fields = new MeetingFields(
            request.Title?.Trim() ?? meeting.Title, request.Description ?? meeting.Description, start.ToUnixTimeMilliseconds(),
            request.Duration ?? meeting.DurationMinutes, request.MaxParticipants ?? meeting.MaxParticipants, request.IsPublic ?? meeting.IsPublic,
            settings?.EnableRecording ?? meeting.EnableRecording, settings?.EnableAiAnalysis ?? meeting.EnableAiAnalysis, requirePassword, hash,
            settings?.ScreenShareRequiresGrant ?? meeting.ScreenShareRequiresGrant);
        if (!await meetings.UpdateAsync(meetingId, fields, userId, now.ToUnixTimeMilliseconds(), ct))
        {
            return Ended();
        }
        return Details((await meetings.FindByIdAsync(meetingId, ct))!, publicBase);
    }

    public async Task<Result<Nothing>> EndAsync(long meetingId, long userId, CancellationToken ct)
    {
        var meeting = await meetings.FindByIdAsync(meetingId, ct);
        if (meeting is null)
        {
            return NotFound();
        }
        if (meeting.Status == MeetingStatuses.Ended)
        {
            return Ended();
        }
        if (await DenyAsync(meeting, userId, MeetingAction.EndMeeting, ct) is { } denied)
        {
            return denied;
        }
        if (!await meetings.EndAsync(meetingId, userId, Now, onlyIfEmpty: false, 0, ct))
        {
            return Ended();
        }
        Log.Ended(logger, meetingId, userId);
        _ended.Increment();
        await events.PublishAsync(new MeetingEnded(meetingId, userId), ct);
        return default(Nothing);
    }

    public async Task<Result<Nothing>> DeleteAsync(long meetingId, long userId, CancellationToken ct)
    {
        var meeting = await meetings.FindByIdAsync(meetingId, ct);
        if (meeting is null)
        {
            return NotFound();
        }
        if (await DenyAsync(meeting, userId, MeetingAction.DeleteMeeting, ct) is { } denied)
        {
            return denied;
        }
        if (!await meetings.DeleteAsync(meetingId, userId, Now, ct))
        {
            return ApiError.Conflict(ErrorCodes.MeetingActive, "The meeting is in progress; end it before deleting it.");
        }
        Log.Deleted(logger, meetingId, userId);
        return default(Nothing);
    }

    /// <summary>The meeting with its status and settings, or null when it does not exist.</summary>
    public async Task<MeetingView?> GetAsync(long meetingId, CancellationToken ct) =>
        await meetings.FindByIdAsync(meetingId, ct) is { } meeting ? MeetingView.From(meeting) : null;

    /// <summary>Ends active meetings that stayed empty for the configured time; answers how many (the sweeper calls this).</summary>
    public async Task<int> EndEmptyMeetingsAsync(CancellationToken ct)
    {
        var now = Now;
        var cutoff = now - Options.EmptyMeetingEndSeconds * 1000L;
        var ended = 0;
        foreach (var id in await meetings.FindEmptyAsync(cutoff, ct))
        {
            if (await meetings.EndAsync(id, 0, now, onlyIfEmpty: true, cutoff, ct))
            {
                ended++;
                Log.EndedEmpty(logger, id);
                _ended.Increment();
                await events.PublishAsync(new MeetingEnded(id, 0), ct);
            }
        }
        return ended;
    }

    internal static string JoinUrl(string publicBase, string code) => publicBase + "/join/" + code;

    private static MeetingDetails Details(MeetingRecord m, string publicBase)
    {
        var view = MeetingView.From(m);
        return new MeetingDetails(m.Id, m.Code, m.Title, m.Description, m.HostId, m.HostName, view.StartTime, m.DurationMinutes,
            m.MaxParticipants, m.IsPublic, view.Settings, m.Status, view.ParticipantCount, JoinUrl(publicBase, m.Code),
            view.CreatedAt, view.StartedAt, view.EndedAt);
    }

    /// <summary>The caller's role: host by ownership, otherwise the role of their (not kicked) participant row.</summary>
    private async Task<MeetingRole?> RoleOfAsync(MeetingRecord meeting, long userId, CancellationToken ct)
    {
        if (meeting.HostId == userId)
        {
            return MeetingRole.Host;
        }
        var row = await participants.FindAsync(meeting.Id, userId, ct);
        return row is { KickedAt: null } ? row.ParsedRole : null;
    }

    /// <summary>The 403 to answer when the caller's role may not do <paramref name="action"/>; null when allowed.</summary>
    private async Task<ApiError?> DenyAsync(MeetingRecord meeting, long userId, MeetingAction action, CancellationToken ct)
    {
        var role = await RoleOfAsync(meeting, userId, ct);
        return role is { } r && MeetingPermissions.Allows(r, action) ? null : Forbidden(role, action);
    }

    private static ApiError Forbidden(MeetingRole? role, MeetingAction action) =>
        ApiError.Forbidden(ErrorCodes.MeetingPermissionDenied, role is null
            ? "You are not in this meeting."
            : $"A {role.Value.ToWire()} may not do this ({action}).");

    private static ApiError NotFound() => ApiError.NotFound(ErrorCodes.MeetingNotFound, "The meeting does not exist.");

    private static ApiError Ended() => ApiError.Conflict(ErrorCodes.MeetingEnded, "The meeting has ended.");
}
