namespace WeCompany.Server.Meetings;

/// <summary>Log messages of the meetings feature (ids only: no titles, passwords or tokens).</summary>
public sealed partial class MeetingService
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Meeting {MeetingId} created by user {UserId}")]
        public static partial void Created(ILogger logger, long meetingId, long userId);

        [LoggerMessage(2, LogLevel.Information, "Meeting {MeetingId} ended by user {UserId}")]
        public static partial void Ended(ILogger logger, long meetingId, long userId);

        [LoggerMessage(3, LogLevel.Information, "Meeting {MeetingId} ended: empty for the configured time")]
        public static partial void EndedEmpty(ILogger logger, long meetingId);

        [LoggerMessage(4, LogLevel.Information, "Meeting {MeetingId} deleted by user {UserId}")]
        public static partial void Deleted(ILogger logger, long meetingId, long userId);

        [LoggerMessage(5, LogLevel.Debug, "User {UserId} joined meeting {MeetingId} as {Role}")]
        public static partial void Joined(ILogger logger, long meetingId, long userId, string role);

        [LoggerMessage(6, LogLevel.Debug, "User {UserId} left meeting {MeetingId}")]
        public static partial void Left(ILogger logger, long meetingId, long userId);

        [LoggerMessage(7, LogLevel.Information, "User {UserId} was kicked from meeting {MeetingId} by user {ByUserId}")]
        public static partial void Kicked(ILogger logger, long meetingId, long userId, long byUserId);
    }
}
