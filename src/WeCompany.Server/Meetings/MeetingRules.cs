using System.Globalization;

namespace WeCompany.Server.Meetings;

/// <summary>The checks on meeting input; each answers the validation message, or null when the value is fine.</summary>
public static class MeetingRules
{
    public const int MaxTitleLength = 200;
    public const int MaxDescriptionLength = 2000;
    public const int MaxPasswordLength = 128;
    public const int MaxInvitees = 500;
    public const int MaxPageSize = 100;

    public static string? Title(string? title) =>
        string.IsNullOrWhiteSpace(title) ? "title is required"
        : title.Trim().Length > MaxTitleLength ? $"title must be at most {MaxTitleLength} characters"
        : null;

    public static string? Description(string? description) =>
        description is { Length: > MaxDescriptionLength } ? $"description must be at most {MaxDescriptionLength} characters" : null;

    /// <summary>Parses an ISO-8601 start time that is not in the past (beyond the grace).</summary>
    public static string? StartTime(string? text, DateTimeOffset now, int graceSeconds, out DateTimeOffset start)
    {
        start = default;
        if (string.IsNullOrWhiteSpace(text) || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out start))
        {
            return "start_time must be an ISO-8601 time such as 2025-10-01T14:00:00Z";
        }
        return start < now.AddSeconds(-graceSeconds) ? "start_time must not be in the past" : null;
    }

    public static string? Duration(int duration, int maxMinutes) =>
        duration <= 0 || duration > maxMinutes ? $"duration must be between 1 and {maxMinutes} minutes" : null;

    public static string? MaxParticipants(int max, int cap) =>
        max <= 0 || max > cap ? $"max_participants must be between 1 and {cap}" : null;

    public static string? Password(bool required, string? password, bool hasStoredPassword) =>
        required && string.IsNullOrEmpty(password) && !hasStoredPassword ? "settings.password is required when require_password is true"
        : password is { Length: > MaxPasswordLength } ? $"settings.password must be at most {MaxPasswordLength} characters"
        : null;

    /// <summary>Parses a path id: digits only (a number that matches no meeting is a 404, not a 400).</summary>
    public static bool TryParseId(string? text, out long id) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
}
