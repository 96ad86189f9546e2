namespace WeCompany.Server.Meetings;

/// <summary>What a participant may try to do in a meeting. REST and signaling ask the same table.</summary>
public enum MeetingAction
{
    /// <summary>Change title, time, settings.</summary>
    UpdateMeeting,
    EndMeeting,
    DeleteMeeting,
    /// <summary>Remove a participant or audience member (never the host).</summary>
    KickParticipant,
    /// <summary>Remove a co-host.</summary>
    KickCoHost,
    MuteAll,
    /// <summary>Mute someone else's microphone or camera.</summary>
    MuteOthers,
    /// <summary>Make someone co-host, participant or audience.</summary>
    AssignRoles,
    /// <summary>Grant or revoke another's screen sharing, stop another's share.</summary>
    ManageScreenShare,
    /// <summary>Share one's own screen without a grant (participants need a grant when the meeting requires it).</summary>
    ShareScreenFreely,
    /// <summary>Share one's own screen at all (with a grant where needed).</summary>
    ShareScreen,
    /// <summary>Publish audio and video.</summary>
    Publish,
    Chat,
    ControlRecording,
}

/// <summary>
/// The specification's permission table as one matrix (role × action). Host: create/end, kick, mute all,
/// recording. Co-host: mute participants, manage screen sharing. Participant: speak, share screen (with a
/// grant), chat. Audience: watch and chat.
/// </summary>
public static class MeetingPermissions
{
    private static readonly Dictionary<MeetingAction, MeetingRole[]> Table = new()
    {
        [MeetingAction.UpdateMeeting] = [MeetingRole.Host, MeetingRole.CoHost],
        [MeetingAction.EndMeeting] = [MeetingRole.Host],
        [MeetingAction.DeleteMeeting] = [MeetingRole.Host],
        [MeetingAction.KickParticipant] = [MeetingRole.Host, MeetingRole.CoHost],
        [MeetingAction.KickCoHost] = [MeetingRole.Host],
        [MeetingAction.MuteAll] = [MeetingRole.Host, MeetingRole.CoHost],
        [MeetingAction.MuteOthers] = [MeetingRole.Host, MeetingRole.CoHost],
        [MeetingAction.AssignRoles] = [MeetingRole.Host],
        [MeetingAction.ManageScreenShare] = [MeetingRole.Host, MeetingRole.CoHost],
        [MeetingAction.ShareScreenFreely] = [MeetingRole.Host, MeetingRole.CoHost],
        [MeetingAction.ShareScreen] = [MeetingRole.Host, MeetingRole.CoHost, MeetingRole.Participant],
        [MeetingAction.Publish] = [MeetingRole.Host, MeetingRole.CoHost, MeetingRole.Participant],
        [MeetingAction.Chat] = [MeetingRole.Host, MeetingRole.CoHost, MeetingRole.Participant, MeetingRole.Audience],
        [MeetingAction.ControlRecording] = [MeetingRole.Host],
    };

    public static bool Allows(MeetingRole role, MeetingAction action) =>
        Table.TryGetValue(action, out var roles) && Array.IndexOf(roles, role) >= 0;

    /// <summary>May <paramref name="actor"/> kick someone whose role is <paramref name="target"/>? Nobody kicks the host.</summary>
    public static bool MayKick(MeetingRole actor, MeetingRole target) => target switch
    {
        MeetingRole.Host => false,
        MeetingRole.CoHost => Allows(actor, MeetingAction.KickCoHost),
        _ => Allows(actor, MeetingAction.KickParticipant),
    };

    /// <summary>May <paramref name="actor"/> mute someone whose role is <paramref name="target"/>? Nobody mutes the host.</summary>
    public static bool MayMute(MeetingRole actor, MeetingRole target) =>
        target != MeetingRole.Host && Allows(actor, MeetingAction.MuteOthers) && (actor == MeetingRole.Host || target != MeetingRole.CoHost);
}
