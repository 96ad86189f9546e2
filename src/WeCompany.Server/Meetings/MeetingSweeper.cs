using Microsoft.Extensions.Options;

namespace WeCompany.Server.Meetings;

/// <summary>
/// Ends active meetings that stayed empty for <see cref="MeetingsOptions.EmptyMeetingEndSeconds"/>, every
/// <see cref="MeetingsOptions.SweepIntervalSeconds"/>. Runs on one background task; in a cluster every node
/// sweeps, and the store's guarded UPDATE lets only one of them end (and announce) a given meeting.
/// </summary>
public sealed partial class MeetingSweeper(MeetingService meetings, IOptions<MeetingsOptions> options, TimeProvider time, ILogger<MeetingSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await meetings.EndEmptyMeetingsAsync(stoppingToken);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                // The store may be briefly unreachable (a PostgreSQL restart); the next tick tries again.
                Log.SweepFailed(logger, e);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Sweeping empty meetings failed; retrying on the next tick")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
