using System.Collections.Frozen;

namespace WeCompany.Server.Webhooks;

/// <summary>The event types an endpoint can ask for (docs/webhooks.md describes each one's <c>data</c>).</summary>
public static class WebhookEventTypes
{
    public const string MeetingCreated = "meeting.created";
    public const string MeetingUpdated = "meeting.updated";
    public const string MeetingStarted = "meeting.started";
    public const string MeetingEnded = "meeting.ended";
    public const string MeetingDeleted = "meeting.deleted";
    public const string ParticipantJoined = "participant.joined";
    public const string ParticipantLeft = "participant.left";
    public const string ParticipantKicked = "participant.kicked";
    public const string ParticipantRoleChanged = "participant.role_changed";
    public const string FileUploaded = "file.uploaded";

    /// <summary>An endpoint's filter that takes every type, including types added later.</summary>
    public const string Wildcard = "*";

    public static readonly FrozenSet<string> All = new[]
    {
        MeetingCreated, MeetingUpdated, MeetingStarted, MeetingEnded, MeetingDeleted,
        ParticipantJoined, ParticipantLeft, ParticipantKicked, ParticipantRoleChanged, FileUploaded,
    }.ToFrozenSet(StringComparer.Ordinal);
}
