using System.Text.Json;
using WeCompany.Protocol;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Cluster;

/// <summary>
/// Meeting events across nodes: delivered here through the local bus (no database), then broadcast to every other
/// node, whose signaling hub acts on the rooms it hosts (a node without the room ignores the event). Publishing
/// to all nodes needs no room directory and stays right while nginx rehashes meetings after a node's loss.
/// </summary>
public sealed class ClusterMeetingEventBus : IMeetingEventBus
{
    internal const string Kind = "meeting.event";
    private readonly LocalMeetingEventBus _local;
    private readonly ClusterBus _bus;

    public ClusterMeetingEventBus(LocalMeetingEventBus local, ClusterBus bus)
    {
        _local = local;
        _bus = bus;
        bus.On(Kind, OnRemoteAsync);
    }

    public async ValueTask PublishAsync(MeetingEvent meetingEvent, CancellationToken cancellationToken)
    {
        await _local.PublishAsync(meetingEvent, cancellationToken);
        _bus.Publish(null, Kind, WireEvent.From(meetingEvent));
    }

    public IDisposable Subscribe(Func<MeetingEvent, CancellationToken, ValueTask> handler) => _local.Subscribe(handler);

    private async ValueTask OnRemoteAsync(BusMessage message, CancellationToken ct)
    {
        if (message.Body.Deserialize<WireEvent>(WireJson.Options)?.ToEvent() is { } meetingEvent)
        {
            await _local.PublishAsync(meetingEvent, ct);
        }
    }

    /// <summary>A meeting event as it travels on the bus: one flat shape, <see cref="Type"/> says which.</summary>
    internal sealed record WireEvent(string Type, long MeetingId, long UserId, long ByUserId, string? MediaType, string? Role, string? Content,
        long Seq = 0, string? MessageId = null, long CreatedAt = 0)
    {
        public static WireEvent From(MeetingEvent e) => e switch
        {
            ParticipantKicked k => new("kicked", k.MeetingId, k.UserId, k.ByUserId, null, null, null),
            ParticipantMuted m => new("muted", m.MeetingId, m.UserId, m.ByUserId, m.MediaType, null, null),
            AllMuted a => new("all_muted", a.MeetingId, 0, a.ByUserId, null, null, null),
            RoleChanged r => new("role", r.MeetingId, r.UserId, r.ByUserId, null, r.Role.ToWire(), null),
            MeetingEnded x => new("ended", x.MeetingId, 0, x.ByUserId, null, null, null),
            // The stored record's place in history travels with it: the hosting node shows it without storing.
            MeetingNotice n => new("notice", n.MeetingId, n.UserId, 0, null, null, n.Content, n.Stored?.Seq ?? 0, n.Stored?.MessageId, n.Stored?.CreatedAt ?? 0),
            _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "A meeting event the bus does not carry."),
        };

        public MeetingEvent? ToEvent() => Type switch
        {
            "kicked" => new ParticipantKicked(MeetingId, UserId, ByUserId),
            "muted" => new ParticipantMuted(MeetingId, UserId, ByUserId, MediaType ?? "audio"),
            "all_muted" => new AllMuted(MeetingId, ByUserId),
            "role" when MeetingRoles.TryParse(Role, out var role) => new RoleChanged(MeetingId, UserId, role, ByUserId),
            "ended" => new MeetingEnded(MeetingId, ByUserId),
            // A notice is stored once, by the node that published it; other nodes only show it in their room. One
            // the publisher failed to store (no seq) has nothing to show.
            "notice" when Seq > 0 && MessageId is not null && Content is not null =>
                new MeetingNotice(MeetingId, UserId, Content) { Stored = new StoredNotice(Seq, MessageId, CreatedAt) },
            _ => null,
        };
    }
}
