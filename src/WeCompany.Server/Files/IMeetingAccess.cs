namespace WeCompany.Server.Files;

/// <summary>What a user is to a meeting, as far as its files are concerned.</summary>
public enum MeetingAccess
{
    /// <summary>No such meeting.</summary>
    MeetingNotFound,

    /// <summary>The meeting exists but the user never joined it.</summary>
    NotParticipant,

    /// <summary>The user joined the meeting (any role but host).</summary>
    Participant,

    /// <summary>The user hosts the meeting.</summary>
    Host,
}

/// <summary>
/// The one question files ask the meetings feature: may this user see this meeting's files, and is the user
/// its host? Implemented over the meetings store; kept this narrow so files do not depend on meeting internals.
/// </summary>
public interface IMeetingAccess
{
    Task<MeetingAccess> GetAccessAsync(long meetingId, long userId, CancellationToken cancellationToken);
}
