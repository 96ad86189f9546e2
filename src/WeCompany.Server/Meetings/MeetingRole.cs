namespace WeCompany.Server.Meetings;

/// <summary>A participant's role in one meeting (specification "权限控制").</summary>
public enum MeetingRole
{
    Host,
    CoHost,
    Participant,
    Audience,
}

/// <summary>The wire names of roles: "host", "co-host", "participant", "audience".</summary>
public static class MeetingRoles
{
    public static string ToWire(this MeetingRole role) => role switch
    {
        MeetingRole.Host => "host",
        MeetingRole.CoHost => "co-host",
        MeetingRole.Participant => "participant",
        _ => "audience",
    };

    public static bool TryParse(string? text, out MeetingRole role)
    {
        switch (text)
        {
            case "host": role = MeetingRole.Host; return true;
            case "co-host": role = MeetingRole.CoHost; return true;
            case "participant": role = MeetingRole.Participant; return true;
            case "audience": role = MeetingRole.Audience; return true;
            default: role = MeetingRole.Audience; return false;
        }
    }
}
