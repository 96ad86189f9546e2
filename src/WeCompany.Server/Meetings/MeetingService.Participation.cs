using Microsoft.AspNetCore.Identity;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Accounts;
using WeCompany.Server.Http;

namespace WeCompany.Server.Meetings;

/// <summary>Joining, leaving, the participants list and moderation.</summary>
public sealed partial class MeetingService
{
    /// <summary>
    /// Puts the user in the meeting (idempotent: a user already in gets the same participant_id) and answers where
    /// to connect. <paramref name="publicBase"/> is the server's public URL (scheme and host, no path);
    /// <paramref name="clientAddress"/> keys the password-guess throttle.
    /// </summary>
    public async Task<Result<JoinMeetingResult>> JoinAsync(
        AuthenticatedUser user, long meetingId, JoinMeetingRequest request, string publicBase, string clientAddress, CancellationToken ct)
    {
        var result = await AdmitAsync(user, meetingId, request, publicBase, clientAddress, ct);
        if (result.Error is { Status: 403 or 409 })
        {
            _refusedJoins.Increment();
        }
        return result;
    }

    private async Task<Result<JoinMeetingResult>> AdmitAsync(
        AuthenticatedUser user, long meetingId, JoinMeetingRequest request, string publicBase, string clientAddress, CancellationToken ct)
    {
        var requested = MeetingRole.Participant;
        if (request.Role is not null && (!MeetingRoles.TryParse(request.Role, out requested) || requested is not (MeetingRole.Participant or MeetingRole.Audience)))
        {
            return ApiError.Validation("role must be participant or audience");
        }
        // One read answers every check of a join, and all of an idempotent re-join: the meeting and the user's row.
        var meeting = await participants.ProbeAsync(meetingId, user.UserId, ct);
        if (meeting is null)
        {
            return NotFound();
        }
        if (meeting.Status == MeetingStatuses.Ended)
        {
            return Ended();
        }
        var isHost = meeting.HostId == user.UserId;
        if (meeting.KickedAt is not null)
        {
            return Kicked();
        }
        if (meeting is { ParticipantId: { } present, LeftAt: null })
        {
            // Already in: answer again without touching the store (no write lock, no second seat).
            return Admitted(user, meetingId, present, meeting.ParticipantRole!, publicBase);
        }
        // The host and those already in do not need the password again; everyone else does.
        if (!isHost && meeting.RequirePassword && meeting.PasswordHash is not null)
        {
            var guessKey = meetingId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + user.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (_passwordGuesses.RetryAfter(guessKey, clientAddress) is { } wait)
            {
                return new Result<JoinMeetingResult>(ApiError.TooManyRequests(ErrorCodes.RateLimited, "Too many wrong meeting passwords; wait before trying again."), wait);
            }
            if (string.IsNullOrEmpty(request.Password) || request.Password.Length > MeetingRules.MaxPasswordLength
                || hasher.VerifyHashedPassword(PasswordOwner, meeting.PasswordHash, request.Password) == PasswordVerificationResult.Failed)
            {
                _passwordGuesses.RecordFailure(guessKey, clientAddress);
                return ApiError.Forbidden(ErrorCodes.MeetingPasswordWrong, "The meeting password is wrong.");
            }
            _passwordGuesses.RecordSuccess(clientAddress);
        }
        var (outcome, participant) = await participants.JoinAsync(
            meetingId, user.UserId, isHost ? MeetingRole.Host : requested, Options.MaxAudience, Now, ct);
        switch (outcome)
        {
            case JoinOutcome.NotFound:
                return NotFound();
            case JoinOutcome.Ended:
                return Ended();
            case JoinOutcome.Kicked:
                return Kicked();
            case JoinOutcome.Full:
                return ApiError.Conflict(ErrorCodes.MeetingFull, requested == MeetingRole.Audience && !isHost
                    ? "The meeting's audience is full."
                    : "The meeting is full.");
        }
        if (outcome == JoinOutcome.Joined)
        {
            _joins.Increment();
            Log.Joined(logger, meetingId, user.UserId, participant!.Role);
        }
        return Admitted(user, meetingId, participant!.Id, participant.Role, publicBase);
    }

    private JoinMeetingResult Admitted(AuthenticatedUser user, long meetingId, long participantId, string role, string publicBase)
    {
        var token = tokens.IssueMeetingSessionToken(user, meetingId, TimeSpan.FromSeconds(Options.SessionTokenSeconds));
        return new JoinMeetingResult(meetingId, participantId, role, WebSocketUrl(publicBase), IceServers(user.UserId), token);
    }

    /// <summary>Takes the user out of the meeting (REST leave, or signaling when the socket closes).</summary>
    public async Task<Result<Nothing>> LeaveAsync(long meetingId, long userId, CancellationToken ct)
    {
        if (!await participants.LeaveAsync(meetingId, userId, Now, ct))
        {
            return await meetings.FindByIdAsync(meetingId, ct) is null
                ? NotFound()
                : ApiError.Forbidden(ErrorCodes.NotInMeeting, "You are not in this meeting.");
        }
        Log.Left(logger, meetingId, userId);
        return default(Nothing);
    }

    /// <summary>REST participants list: for those who may see the meeting.</summary>
    public async Task<Result<ParticipantList>> ListParticipantsAsync(long meetingId, long userId, CancellationToken ct)
    {
        var meeting = await meetings.FindByIdAsync(meetingId, ct);
        if (meeting is null || (meeting.HostId != userId && !await meetings.IsVisibleAsync(meetingId, userId, ct)))
        {
            return NotFound();
        }
        var list = await GetParticipantsAsync(meetingId, ct);
        return new ParticipantList(meetingId, list.Select(p => p.ToWire()).ToArray());
    }

    /// <summary>Those present in the meeting now, in order of joining.</summary>
    public async Task<IReadOnlyList<ParticipantView>> GetParticipantsAsync(long meetingId, CancellationToken ct) =>
        (await participants.ListPresentAsync(meetingId, ct)).Select(ParticipantView.From).ToArray();

    /// <summary>The user's presence in the meeting; null when not joined, left or kicked.</summary>
    public async Task<ParticipantView?> GetActiveParticipantAsync(long meetingId, long userId, CancellationToken ct) =>
        await participants.FindAsync(meetingId, userId, ct) is { IsPresent: true } row ? ParticipantView.From(row) : null;

    /// <summary>STUN servers and TURN with fresh time-limited credentials for <paramref name="userId"/>.</summary>
    public IReadOnlyList<IceServer> IceServers(long userId) => turn.IceServers(userId);

    /// <summary>
    /// Records the user's own mute state ("audio" or "video"), as signaling's media-control reports it. Publishes
    /// nothing: signaling broadcasts the change itself. False when the user is not present or the type is unknown.
    /// </summary>
    public async Task<bool> SetMutedAsync(long meetingId, long userId, string mediaType, bool muted, CancellationToken ct) =>
        mediaType is "audio" or "video" && await participants.SetMutedByUserAsync(meetingId, userId, mediaType == "video", muted, ct);

    public async Task<Result<Nothing>> KickAsync(long meetingId, long actorId, long participantId, CancellationToken ct)
    {
        var (context, error) = await ModerationAsync(meetingId, actorId, participantId, MeetingAction.KickParticipant, ct);
        if (error is not null)
        {
            return error;
        }
        var (actorRole, target) = context;
        if (!MeetingPermissions.MayKick(actorRole, target!.ParsedRole))
        {
            return Forbidden(actorRole, target.ParsedRole == MeetingRole.CoHost ? MeetingAction.KickCoHost : MeetingAction.KickParticipant);
        }
        if (!await participants.KickAsync(meetingId, participantId, target.ParsedRole, actorId, Now, ct))
        {
            return ParticipantMissing();
        }
        Log.Kicked(logger, meetingId, target.UserId, actorId);
        await events.PublishAsync(new ParticipantKicked(meetingId, target.UserId, actorId), ct);
        return default(Nothing);
    }

    public async Task<Result<ParticipantInfo>> ChangeRoleAsync(long meetingId, long actorId, long participantId, ChangeRoleRequest request, CancellationToken ct)
    {
        if (!MeetingRoles.TryParse(request.Role, out var role) || role == MeetingRole.Host)
        {
            return ApiError.Validation("role must be co-host, participant or audience");
        }
        var (context, error) = await ModerationAsync(meetingId, actorId, participantId, MeetingAction.AssignRoles, ct);
        if (error is not null)
        {
            return error;
        }
        var target = context.Target!;
        if (target.ParsedRole == MeetingRole.Host)
        {
            return Forbidden(context.ActorRole, MeetingAction.AssignRoles);
        }
        if (target.ParsedRole != role)
        {
            var outcome = await participants.ChangeRoleAsync(meetingId, participantId, target.ParsedRole, role, Options.MaxAudience, actorId, Now, ct);
            if (outcome == RoleChangeOutcome.NotFound)
            {
                return ParticipantMissing();
            }
            if (outcome == RoleChangeOutcome.Full)
            {
                return ApiError.Conflict(ErrorCodes.MeetingFull, role == MeetingRole.Audience ? "The meeting's audience is full." : "The meeting is full.");
            }
            await events.PublishAsync(new RoleChanged(meetingId, target.UserId, role, actorId), ct);
        }
        var updated = await participants.FindByIdAsync(meetingId, participantId, ct);
        return updated is null ? ParticipantMissing() : ParticipantView.From(updated).ToWire();
    }

    public async Task<Result<Nothing>> MuteAsync(long meetingId, long actorId, long participantId, MuteParticipantRequest request, CancellationToken ct)
    {
        var mediaType = request.MediaType ?? "audio";
        if (mediaType is not ("audio" or "video"))
        {
            return ApiError.Validation("media_type must be audio or video");
        }
        var (context, error) = await ModerationAsync(meetingId, actorId, participantId, MeetingAction.MuteOthers, ct);
        if (error is not null)
        {
            return error;
        }
        var target = context.Target!;
        if (!MeetingPermissions.MayMute(context.ActorRole, target.ParsedRole))
        {
            return Forbidden(context.ActorRole, MeetingAction.MuteOthers);
        }
        if (!await participants.SetMutedByIdAsync(meetingId, participantId, mediaType == "video", muted: true, ct))
        {
            return ParticipantMissing();
        }
        await events.PublishAsync(new ParticipantMuted(meetingId, target.UserId, actorId, mediaType), ct);
        return default(Nothing);
    }

    public async Task<Result<MuteAllResult>> MuteAllAsync(long meetingId, long actorId, CancellationToken ct)
    {
        var (context, error) = await ModerationAsync(meetingId, actorId, null, MeetingAction.MuteAll, ct);
        if (error is not null)
        {
            return error;
        }
        // Only those the actor may mute one by one: a co-host's mute-all leaves the host and other co-hosts alone.
        MeetingRole[] all = [MeetingRole.CoHost, MeetingRole.Participant, MeetingRole.Audience];
        var roles = all.Where(r => MeetingPermissions.MayMute(context.ActorRole, r)).ToArray();
        var muted = await participants.MuteAllAsync(meetingId, actorId, roles, ct);
        await events.PublishAsync(new AllMuted(meetingId, actorId), ct);
        return new MuteAllResult(meetingId, muted);
    }

    private readonly record struct Moderation(MeetingRole ActorRole, ParticipantRecord? Target);

    /// <summary>The common checks of moderation: the meeting exists and has not ended, the actor's role allows the action, the target is of this meeting.</summary>
    private async Task<(Moderation Context, ApiError? Error)> ModerationAsync(long meetingId, long actorId, long? participantId, MeetingAction action, CancellationToken ct)
    {
        var meeting = await meetings.FindByIdAsync(meetingId, ct);
        if (meeting is null)
        {
            return (default, NotFound());
        }
        if (meeting.Status == MeetingStatuses.Ended)
        {
            return (default, Ended());
        }
        var role = await RoleOfAsync(meeting, actorId, ct);
        if (role is not { } actorRole || !MeetingPermissions.Allows(actorRole, action))
        {
            return (default, Forbidden(role, action));
        }
        if (participantId is null)
        {
            return (new Moderation(actorRole, null), null);
        }
        var target = await participants.FindByIdAsync(meetingId, participantId.Value, ct);
        return target is null || target.KickedAt is not null
            ? (default, ParticipantMissing())
            : (new Moderation(actorRole, target), null);
    }

    internal static string WebSocketUrl(string publicBase) =>
        (publicBase.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "wss://" + publicBase[8..]
            : publicBase.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "ws://" + publicBase[7..]
            : publicBase) + "/ws/signaling";

    private static ApiError Kicked() => ApiError.Forbidden(ErrorCodes.KickedFromMeeting, "You were removed from this meeting and cannot rejoin.");

    private static ApiError ParticipantMissing() => ApiError.NotFound(ErrorCodes.ParticipantNotFound, "No such participant in this meeting.");
}
