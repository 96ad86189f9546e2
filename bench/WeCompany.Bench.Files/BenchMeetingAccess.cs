using WeCompany.Server.Files;

namespace WeCompany.Bench.Files;

/// <summary>
/// Bench scaffolding until the meetings feature implements <see cref="IMeetingAccess"/>: meeting 1 exists and
/// every user hosts it, so the bench measures the upload path, not meeting bookkeeping.
/// </summary>
internal sealed class BenchMeetingAccess : IMeetingAccess
{
    public Task<MeetingAccess> GetAccessAsync(long meetingId, long userId, CancellationToken cancellationToken) =>
        Task.FromResult(meetingId == 1 ? MeetingAccess.Host : MeetingAccess.MeetingNotFound);
}
