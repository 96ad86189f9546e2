using System.Text.Json.Serialization;

namespace WeCompany.Protocol.Rest;

/// <summary>A meeting's settings (specification "创建会议"). On update, null members keep their value.</summary>
/// <see cref="ScreenShareRequiresGrant"/> (ours): participants need the host's or a co-host's grant to share a screen.
public sealed record MeetingSettingsRequest(bool? EnableRecording, bool? EnableAiAnalysis, bool? RequirePassword, string? Password, bool? ScreenShareRequiresGrant = null);

/// <summary>
/// POST /api/v1/meetings. <see cref="StartTime"/> is ISO-8601 text (checked by the server so an unparsable
/// value gets a clear validation error); <see cref="Duration"/> is in minutes. <see cref="InvitedUserIds"/>
/// (ours, optional) lets invitees see a private meeting in their list.
/// </summary>
public sealed record CreateMeetingRequest(
    string? Title,
    string? Description,
    string? StartTime,
    int? Duration,
    int? MaxParticipants,
    bool? IsPublic,
    MeetingSettingsRequest? Settings,
    IReadOnlyList<long>? InvitedUserIds = null);

/// <summary>PUT /api/v1/meetings/{id}: members left null keep their value.</summary>
public sealed record UpdateMeetingRequest(
    string? Title,
    string? Description,
    string? StartTime,
    int? Duration,
    int? MaxParticipants,
    bool? IsPublic,
    MeetingSettingsRequest? Settings);

/// <summary>The answer to create (specification's fields).</summary>
public sealed record MeetingCreated(
    long MeetingId,
    string Title,
    string MeetingCode,
    string JoinUrl,
    long HostId,
    string Status,
    DateTimeOffset CreatedAt);

/// <summary>A meeting's settings as answered (the password never leaves the server).</summary>
public sealed record MeetingSettings(bool EnableRecording, bool EnableAiAnalysis, bool RequirePassword, bool ScreenShareRequiresGrant = false);

/// <summary>GET /api/v1/meetings/{id} and /code/{meeting_code}: the whole meeting.</summary>
public sealed record MeetingDetails(
    long MeetingId,
    string MeetingCode,
    string Title,
    string Description,
    long HostId,
    string HostName,
    DateTimeOffset StartTime,
    int Duration,
    int MaxParticipants,
    bool IsPublic,
    MeetingSettings Settings,
    string Status,
    int ParticipantCount,
    string JoinUrl,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt);

/// <summary>One row of the meeting list (specification "获取会议列表").</summary>
public sealed record MeetingSummary(
    long MeetingId,
    string MeetingCode,
    string Title,
    string HostName,
    DateTimeOffset StartTime,
    string Status,
    int ParticipantCount);

/// <summary>GET /api/v1/meetings: one page of meetings with the pagination members.</summary>
public sealed record MeetingPage(
    IReadOnlyList<MeetingSummary> Meetings,
    long Total,
    int Page,
    int PageSize,
    int TotalPages);

/// <summary>POST /api/v1/meetings/{id}/join. <see cref="Role"/> (ours): "audience" joins to watch only.</summary>
public sealed record JoinMeetingRequest(string? Password, string? Role = null);

/// <summary>An RTCIceServer as browsers take it; username and credential are absent for STUN.</summary>
public sealed record IceServer(
    string Urls,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Username = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Credential = null);

/// <summary>The answer to join: where to connect and with what.</summary>
public sealed record JoinMeetingResult(
    long MeetingId,
    long ParticipantId,
    string Role,
    string WebsocketUrl,
    IReadOnlyList<IceServer> IceServers,
    string SessionToken);

/// <summary>One present participant (GET /api/v1/meetings/{id}/participants).</summary>
public sealed record ParticipantInfo(
    long ParticipantId,
    long UserId,
    string Username,
    string FullName,
    string Role,
    DateTimeOffset JoinedAt,
    bool AudioMuted,
    bool VideoMuted);

/// <summary>GET /api/v1/meetings/{id}/participants.</summary>
public sealed record ParticipantList(long MeetingId, IReadOnlyList<ParticipantInfo> Participants);

/// <summary>POST .../participants/{participant_id}/role: "co-host", "participant" or "audience".</summary>
public sealed record ChangeRoleRequest(string? Role);

/// <summary>POST .../participants/{participant_id}/mute: "audio" (default) or "video".</summary>
public sealed record MuteParticipantRequest(string? MediaType);

/// <summary>The answer to mute-all: how many participants were muted.</summary>
public sealed record MuteAllResult(long MeetingId, int Muted);
