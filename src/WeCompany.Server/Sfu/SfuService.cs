using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using WeCompany.Media.Dtls;
using WeCompany.Media.Forwarding;
using WeCompany.Media.Ice;
using WeCompany.Media.Sdp;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Diagnostics;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Sfu;

/// <summary>The SFU's verdict on one signaling message: accepted, or an error code and message for the sender.</summary>
public readonly record struct SfuResult(int ErrorCode, string? Message)
{
    /// <summary>Accepted.</summary>
    public static SfuResult Accepted => default;
}

/// <summary>
/// Rooms on top of the media engine: a participant's offer gets an ICE-lite answer and publishes its tracks;
/// every other participant gets an offer that adds them (renegotiation serialised per participant); tracks that
/// go make their sections inactive; the host's mute drops audio in the media path; the loudest participant is
/// announced as active speaker. Owns the <see cref="MediaServer"/> and runs as a hosted service.
/// </summary>
public sealed partial class SfuService : IHostedService, IAsyncDisposable
{
    private readonly MediaOptions _options;
    private readonly ISfuSignalSender _sender;
    private readonly TimeProvider _time;
    private readonly ILogger<SfuService> _logger;
    private readonly ConcurrentDictionary<long, SfuRoom> _rooms = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly IMeetingEventBus? _events;
    private MediaServer? _server;
    private IReadOnlyList<SdpCandidate> _candidates = [];
    private Task? _speakerLoop;

    public SfuService(IOptions<MediaOptions> options, ISfuSignalSender sender, TimeProvider time, ILogger<SfuService> logger,
        MetricsRegistry? metrics = null, IMeetingEventBus? events = null)
    {
        _options = options.Value;
        _events = events;
        _sender = sender;
        _time = time;
        _logger = logger;
        if (metrics is not null)
        {
            metrics.Gauge("wecompany_sfu_peers", "Media peers open on the SFU.", () => _server?.PeerCount ?? 0);
            metrics.Gauge("wecompany_sfu_rtp_sent_total", "SRTP packets the SFU sent.", () => _server?.Counters.RtpSentTotal ?? 0);
            metrics.Gauge("wecompany_sfu_datagrams_received_total", "Datagrams the SFU received.", () => _server?.Counters.DatagramsReceivedTotal ?? 0);
            metrics.Gauge("wecompany_sfu_srtp_auth_failures_total", "SRTP packets dropped for a bad tag.", () => _server?.Counters.SrtpAuthFailuresTotal ?? 0);
        }
    }

    /// <summary>The media engine (null until started or when disabled).</summary>
    public MediaServer? MediaServer => _server;

    /// <summary>The host candidates written into every SDP.</summary>
    public IReadOnlyList<SdpCandidate> Candidates => _candidates;

    /// <summary>Whether the SFU runs.</summary>
    public bool IsRunning => _server is not null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return Task.CompletedTask;
        }

        var server = new MediaServer(new MediaServerOptions
        {
            BindAddress = IPAddress.Parse(_options.BindAddress),
            Port = _options.Port,
            MaxPublishBitrate = _options.MaxPublishBitrate,
            CongestionFeedback = _options.CongestionFeedback,
            EnableTcp = _options.TcpEnabled,
            MaxTcpConnections = _options.MaxTcpConnections,
        }, _time);
        server.Start();
        _server = server;
        _candidates = BuildCandidates(_options, server.LocalEndPoint.Port);
        SfuLog.Started(_logger, server.LocalEndPoint.Port, string.Join(", ", _candidates.Select(c => c.Address)));
        _speakerLoop = Task.Run(SpeakerLoopAsync, CancellationToken.None);
        _subscription = _events?.Subscribe(OnMeetingEventAsync);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        _subscription?.Dispose();
        if (_speakerLoop is not null)
        {
            await _speakerLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A participant's offer (type 1 to user 0). <paramref name="mayPublish"/> is false for the audience.</summary>
    public async Task<SfuResult> HandleOfferAsync(long meetingId, long userId, string peerId, string sdp, bool mayPublish, CancellationToken cancellationToken)
    {
        if (_server is null)
        {
            return new SfuResult(ErrorCodes.SfuUnavailable, "sfu unavailable");
        }

        if (!SdpParser.TryParse(sdp, out var offer, out var error))
        {
            return new SfuResult(ErrorCodes.SignalingMalformed, "Invalid SDP: " + error.Message);
        }

        var participant = GetOrCreateParticipant(meetingId, userId, peerId);
        if (!TakeDescriptionToken(participant))
        {
            return new SfuResult(ErrorCodes.SignalingRateLimited, "Too many offers; slow down.");
        }

        participant.MayPublish = mayPublish;
        var result = await AnswerOfferAsync(participant, offer, cancellationToken);
        await SyncRoomAsync(participant.Room, cancellationToken);
        return result;
    }

    /// <summary>A participant's answer (type 2 to user 0) to the server's offer.</summary>
    public async Task<SfuResult> HandleAnswerAsync(long meetingId, long userId, string peerId, string sdp, CancellationToken cancellationToken)
    {
        if (_server is null)
        {
            return new SfuResult(ErrorCodes.SfuUnavailable, "sfu unavailable");
        }

        if (!SdpParser.TryParse(sdp, out var answer, out var error))
        {
            return new SfuResult(ErrorCodes.SignalingMalformed, "Invalid SDP: " + error.Message);
        }

        var participant = FindParticipant(meetingId, peerId);
        if (participant is null || participant.UserId != userId)
        {
            return new SfuResult(ErrorCodes.SignalingMalformed, "No offer from the server is waiting for an answer.");
        }

        if (!TakeDescriptionToken(participant))
        {
            return new SfuResult(ErrorCodes.SignalingRateLimited, "Too many answers; slow down.");
        }

        var result = await ApplyAnswerAsync(participant, answer, cancellationToken);
        await SyncRoomAsync(participant.Room, cancellationToken);
        return result;
    }

    /// <summary>
    /// A trickled candidate (type 3 to user 0). The server is ICE-lite: it learns the client's addresses from its
    /// connectivity checks, so a well-formed candidate is accepted and needs nothing more (RFC 8445 §2.5).
    /// </summary>
    public SfuResult HandleCandidate(string? candidate) =>
        _server is null ? new SfuResult(ErrorCodes.SfuUnavailable, "sfu unavailable")
        : candidate is null || candidate.Length > 1024 ? new SfuResult(ErrorCodes.SignalingMalformed, "payload.candidate is missing or too long.")
        : SfuResult.Accepted;

    /// <summary>
    /// A participant is in the room: receive-only clients (audience, no devices) never offer, so the server
    /// offers them what the room publishes.
    /// </summary>
    public async Task PeerJoinedAsync(long meetingId, long userId, string peerId, CancellationToken cancellationToken)
    {
        if (_server is null)
        {
            return;
        }

        var participant = GetOrCreateParticipant(meetingId, userId, peerId);
        await RenegotiateAsync(participant, cancellationToken);
    }

    /// <summary>The peer left its room: its media stops and the others' sections for its tracks go inactive.</summary>
    public async Task PeerLeftAsync(long meetingId, long userId, string peerId, CancellationToken cancellationToken)
    {
        if (!_rooms.TryGetValue(meetingId, out var room))
        {
            return;
        }

        SfuParticipant? participant;
        lock (room.Gate)
        {
            if (!room.Participants.TryGetValue(peerId, out participant) || participant.UserId != userId)
            {
                return;
            }

            room.Participants.Remove(peerId);
            participant.Closed = true;
            foreach (var key in room.Tracks.Where(t => t.Value.PublisherPeerId == peerId).Select(t => t.Key).ToList())
            {
                room.Tracks.Remove(key);
            }

            if (room.Participants.Count == 0)
            {
                _rooms.TryRemove(new KeyValuePair<long, SfuRoom>(meetingId, room));
            }
        }

        participant.Peer.Close("Left the room.");
        await SyncRoomAsync(room, cancellationToken);
    }

    /// <summary>Host mute (or unmute) of a user's audio: enforced by dropping the packets at the SFU.</summary>
    public void SetAudioMuted(long meetingId, long userId, bool muted)
    {
        var room = _rooms.GetOrAdd(meetingId, id => new SfuRoom(id));
        lock (room.Gate)
        {
            if (muted)
            {
                room.MutedUsers.Add(userId);
            }
            else
            {
                room.MutedUsers.Remove(userId);
            }

            foreach (var participant in room.Participants.Values.Where(p => p.UserId == userId))
            {
                foreach (var track in participant.Peer.PublishedTracks.Where(t => t.Kind == MediaKind.Audio))
                {
                    track.Muted = muted;
                }
            }
        }
    }

    /// <summary>Mutes every user's audio but <paramref name="exceptUserId"/>'s.</summary>
    public void MuteAll(long meetingId, long exceptUserId)
    {
        if (!_rooms.TryGetValue(meetingId, out var room))
        {
            return;
        }

        foreach (var userId in room.Snapshot().Select(p => p.UserId).Distinct().Where(u => u != exceptUserId))
        {
            SetAudioMuted(meetingId, userId, true);
        }
    }

    private SfuParticipant GetOrCreateParticipant(long meetingId, long userId, string peerId)
    {
        while (true)
        {
            var room = _rooms.GetOrAdd(meetingId, id => new SfuRoom(id));
            lock (room.Gate)
            {
                if (!_rooms.TryGetValue(meetingId, out var current) || current != room)
                {
                    continue; // Emptied and removed meanwhile: take the new one.
                }

                if (room.Participants.TryGetValue(peerId, out var existing) && existing.UserId == userId && existing.Peer.State != MediaPeerState.Closed)
                {
                    return existing;
                }

                var peer = _server!.CreatePeer(peerId);
                var participant = new SfuParticipant(room, userId, peerId, peer);
                peer.StateChanged += (_, state) => OnPeerStateChanged(participant, state);
                room.Participants[peerId] = participant;
                return participant;
            }
        }
    }

    private SfuParticipant? FindParticipant(long meetingId, string peerId)
    {
        if (!_rooms.TryGetValue(meetingId, out var room))
        {
            return null;
        }

        lock (room.Gate)
        {
            return room.Participants.GetValueOrDefault(peerId);
        }
    }

    private void OnPeerStateChanged(SfuParticipant participant, MediaPeerState state)
    {
        if (state != MediaPeerState.Closed || participant.Closed)
        {
            return;
        }

        // DTLS failed, the handshake deadline passed, or consent expired: forget the connection; the client's
        // next offer (an ICE restart) starts a new one.
        SfuLog.PeerClosed(_logger, participant.Room.MeetingId, participant.PeerId, participant.Peer.CloseReason);
        _ = PeerLeftAsync(participant.Room.MeetingId, participant.UserId, participant.PeerId, CancellationToken.None);
    }

    private bool TakeDescriptionToken(SfuParticipant participant)
    {
        var now = _time.GetTimestamp();
        lock (participant)
        {
            if (_time.GetElapsedTime(participant.WindowStart, now) >= TimeSpan.FromMinutes(1))
            {
                participant.WindowStart = now;
                participant.WindowCount = 0;
            }

            return ++participant.WindowCount <= _options.MaxDescriptionsPerMinute;
        }
    }

    internal static IReadOnlyList<SdpCandidate> BuildCandidates(MediaOptions options, int port)
    {
        var addresses = options.PublicAddresses.Count > 0
            ? options.PublicAddresses.Select(IPAddress.Parse).ToList()
            : LocalAddresses();
        var candidates = new List<SdpCandidate>();
        for (var i = 0; i < addresses.Count; i++)
        {
            // Earlier addresses rank higher: the local preference falls by one per address (RFC 8445 §5.1.2.1).
            var candidate = SdpCandidate.HostUdp(addresses[i], port, (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            candidates.Add(candidate with { Priority = SdpCandidate.ComputePriority(SdpCandidate.HostTypePreference, 65535 - i, 1) });
        }

        for (var i = 0; options.TcpEnabled && i < addresses.Count; i++)
        {
            // RFC 6544 §4.2: passive TCP host candidates, below every UDP one, on the same port number.
            var candidate = SdpCandidate.HostTcpPassive(addresses[i], port, (addresses.Count + i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            candidates.Add(candidate with { Priority = SdpCandidate.ComputePriority(SdpCandidate.HostTypePreference, (4 << 13) + 8191 - i, 1) });
        }

        return candidates;
    }

    private static List<IPAddress> LocalAddresses()
    {
        var addresses = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork)
            .Distinct()
            .ToList();
        // Real interfaces first; loopback last (it is all a network namespace of tests has).
        return [.. addresses.Where(a => !IPAddress.IsLoopback(a)), .. addresses.Where(IPAddress.IsLoopback)];
    }
}
