using System.Text;
using Npgsql;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Tcp;
using WeCompany.Server.Cluster;
using WeCompany.Server.Meetings;
using WeCompany.Server.Tests.Calls;
using WeCompany.Server.Tests.Infrastructure;
using WeCompany.Server.Tests.Meetings;
using WeCompany.Server.Tests.Signaling;

namespace WeCompany.Server.Tests.Cluster;

/// <summary>
/// A node's LISTEN connection dies (PostgreSQL restarted, a backend killed): control messages published meanwhile
/// still reach it once it is back, and a message it heard live is not handled a second time by the replay.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterBusReplayTests
{
    /// <summary>Ends <paramref name="node"/>'s listening backend, as an operator's pg_terminate_backend would, and waits until it is gone.</summary>
    private static async Task KillListenerAsync(ClusterPair cluster, TestServer node)
    {
        await using var connection = new NpgsqlConnection(cluster.Database.ConnectionString);
        await connection.OpenAsync().WaitAsync(ClusterPair.Wait);
        // In the select list, so only the matching backend is signalled; the timeout makes it wait until the backend exited.
        await using var command = new NpgsqlCommand(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", connection)
        {
            Parameters = { new() { Value = "wecompany-listen-" + ClusterPair.NodeIdOf(node) } },
        };
        await using var reader = await command.ExecuteReaderAsync().WaitAsync(ClusterPair.Wait);
        Assert.True(await reader.ReadAsync().WaitAsync(ClusterPair.Wait), "no listening backend of " + ClusterPair.NodeIdOf(node));
        Assert.True(reader.GetBoolean(0));
        Assert.False(await reader.ReadAsync().WaitAsync(ClusterPair.Wait), "two listening backends of " + ClusterPair.NodeIdOf(node));
    }

    [Fact]
    public async Task KickIssuedWhileTheHostsListenerReconnectsStillReachesTheRoom()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(cluster.B);
        var guest = await meeting.ParticipantAsync();
        var (socket, _) = await meeting.JoinAsync(guest);
        await using var _1 = socket;
        var bus = cluster.B.Service<ClusterBus>();
        var reconnects = bus.Reconnects;

        await KillListenerAsync(cluster, cluster.B);
        using (var client = cluster.A.ClientFor(meeting.Host.User.Token))
        {
            await ApiAssert.SuccessAsync(await client.PostAsync($"api/v1/meetings/{meeting.Id}/participants/{guest.ParticipantId}/kick", MeetingKit.Json(new { })).WaitAsync(ClusterPair.Wait));
        }

        var notice = await socket.WaitForAsync(13);
        Assert.Equal(ErrorCodes.KickedFromMeeting, notice.GetProperty("payload").GetProperty("code").GetInt32());
        var (code, _) = await socket.WaitForCloseAsync();
        Assert.Equal(4002, code);
        Assert.True(bus.Reconnects > reconnects, "node B's listener did not reconnect");
    }

    [Fact]
    public async Task AKickPublishedWhilePostgreSqlRefusesConnectionsReachesTheRoomOnceItIsBack()
    {
        await using var cluster = await ClusterPair.StartAsync();
        var meeting = await SignalingMeeting.CreateAsync(cluster.B);
        var guest = await meeting.ParticipantAsync();
        var (socket, _) = await meeting.JoinAsync(guest);
        await using var _1 = socket;
        var publisher = cluster.A.Service<ClusterBus>();
        var (retries, failures) = (publisher.PublishRetries, publisher.PublishFailures);

        await using (await RefuseConnectionsAsync(cluster))
        {
            await cluster.A.Service<IMeetingEventBus>().PublishAsync(new ParticipantKicked(meeting.Id, guest.Id, meeting.Host.Id), CancellationToken.None).AsTask().WaitAsync(ClusterPair.Wait);
            // Past the three retries after which the bus used to drop the batch.
            await Eventually.TrueAsync(() => publisher.PublishRetries >= retries + 4, "node A retried the publish four times");
        }

        var notice = await socket.WaitForAsync(13);
        Assert.Equal(ErrorCodes.KickedFromMeeting, notice.GetProperty("payload").GetProperty("code").GetInt32());
        var (code, _) = await socket.WaitForCloseAsync();
        Assert.Equal(4002, code);
        Assert.Equal(failures, publisher.PublishFailures);
    }

    [Fact]
    public async Task ControlMessagesBeyondWhatTheQueueHoldsFailAndAreCountedWhilePostgreSqlIsAway()
    {
        await using var cluster = await ClusterPair.StartAsync(new() { ["Cluster:MaxQueuedMessages"] = "16" });
        var publisher = cluster.A.Service<ClusterBus>();
        var (sent, failures) = (publisher.MessagesSent, publisher.PublishFailures);
        int accepted;

        await using (await RefuseConnectionsAsync(cluster))
        {
            accepted = Enumerable.Range(0, 200).Count(i => publisher.Publish(null, "test.unhandled", new { i }));
            // 16 queued and 16 waiting for room, plus what the publisher took into the batch it retries (up to 64,
            // depending on how its reads interleave with these publishes): the rest fail at once.
            Assert.InRange(accepted, 32, 64 + 32);
            Assert.Equal(failures + 200 - accepted, publisher.PublishFailures);
        }

        await Eventually.TrueAsync(() => publisher.MessagesSent == sent + accepted, "node A sent every accepted message once PostgreSQL was back");
        Assert.Equal(failures + 200 - accepted, publisher.PublishFailures);
    }

    /// <summary>
    /// Ends every connection to the cluster's database and refuses new ones, as while PostgreSQL restarts, until disposed.
    /// Runs from the maintenance database: PostgreSQL will not close the database a session is connected to.
    /// </summary>
    private static async Task<IAsyncDisposable> RefuseConnectionsAsync(ClusterPair cluster)
    {
        var settings = new NpgsqlConnectionStringBuilder(cluster.Database.ConnectionString);
        var database = settings.Database!;
        settings.Database = "postgres";
        settings.Pooling = false;
        var admin = new NpgsqlConnection(settings.ConnectionString);
        await admin.OpenAsync().WaitAsync(ClusterPair.Wait);
        await ExecuteAsync(admin, $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false");
        await ExecuteAsync(admin, $"SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '{database}'");
        return new Restore(admin, database);
    }

    private sealed record Restore(NpgsqlConnection Admin, string Database) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await ExecuteAsync(Admin, $"ALTER DATABASE \"{Database}\" ALLOW_CONNECTIONS true");
            await Admin.DisposeAsync();
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().WaitAsync(ClusterPair.Wait);
    }

    [Fact]
    public async Task AMessageHeardLiveIsHandledOnceWhenTheReplayAfterAReconnectCarriesItToo()
    {
        await using var cluster = await ClusterPair.StartAsync();
        await using var users = await cluster.TcpUsersAsync();
        var (alice, bob, onA, onB) = users;
        var bus = cluster.B.Service<ClusterBus>();

        await onA.SendAsync(FrameType.Text, ClusterPair.Id(bob), "before the reconnect"u8.ToArray());
        Assert.Equal("before the reconnect", (await onB.ExpectAsync(FrameType.Text)).Text);
        var (reconnects, skipped) = (bus.Reconnects, bus.DuplicatesSkipped);

        // The replay starts a few seconds before the last message B heard, so it carries the text again.
        await KillListenerAsync(cluster, cluster.B);
        await Eventually.TrueAsync(() => bus.Reconnects > reconnects && bus.DuplicatesSkipped > skipped, "B reconnected and skipped a replayed copy");
        await onA.SendAsync(FrameType.Text, ClusterPair.Id(bob), "after the reconnect"u8.ToArray());

        // The replay was queued before anything published later: a second copy would have come first.
        Assert.Equal("after the reconnect", (await onB.ExpectAsync(FrameType.Text)).Text);
    }

    [Fact]
    public async Task ATextWhosePublishWasCommittedButNeverAnsweredArrivesOnce()
    {
        var postgres = await PostgresServer.SharedAsync();
        await using var proxy = new AnswerLosingProxy(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, postgres.Port));
        // Node A reaches PostgreSQL through the proxy; node B directly.
        await using var cluster = await ClusterPair.StartAsync(onlyA: database => new()
        {
            ["Storage:ConnectionString"] = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString,
        });
        await using var users = await cluster.TcpUsersAsync();
        var (alice, bob, onA, onB) = users;
        var publisher = cluster.A.Service<ClusterBus>();
        var retries = publisher.PublishRetries;
        // The bus carries the text as base64 inside the stored payload: a length of a multiple of three and no '+'
        // or '/' keep it a plain run of bytes for the proxy to recognise.
        var text = "exactly once, across a lost answer";
        var marker = Convert.ToBase64String(Encoding.UTF8.GetBytes(text[..33]));
        Assert.DoesNotContain('+', marker);
        Assert.DoesNotContain('/', marker);

        proxy.LoseTheAnswerTo(Encoding.ASCII.GetBytes(marker));
        await onA.SendAsync(FrameType.Text, ClusterPair.Id(bob), Encoding.UTF8.GetBytes(text));

        Assert.Equal(text, (await onB.ExpectAsync(FrameType.Text)).Text);
        await Eventually.TrueAsync(() => proxy.Cuts == 1 && publisher.PublishRetries > retries, "node A lost the answer and published again");
        await onA.SendAsync(FrameType.Text, ClusterPair.Id(bob), "next"u8.ToArray());
        // The retry was sent before the next message: a second copy would have come first.
        Assert.Equal("next", (await onB.ExpectAsync(FrameType.Text)).Text);
    }

    [Fact]
    public async Task AfterAGapLongerThanTheLogTheRoomFollowsTheStoreForRemovalsAndRoles()
    {
        // The shortest log the options allow: any reconnect reaches back further than it.
        await using var cluster = await ClusterPair.StartAsync(new() { ["Cluster:MessageRetentionSeconds"] = "5" });
        var meeting = await SignalingMeeting.CreateAsync(cluster.B);
        var guest = await meeting.ParticipantAsync();
        var watcher = await meeting.ParticipantAsync();
        var (host, _) = await meeting.JoinAsync(meeting.Host);
        await using var _h = host;
        var (removed, _) = await meeting.JoinAsync(guest);
        await using var _r = removed;
        var (demoted, _) = await meeting.JoinAsync(watcher);
        await using var _d = demoted;

        // A kick and a role change stored while their events were lost (pruned before node B's listener came back).
        await using (var connection = new NpgsqlConnection(cluster.Database.ConnectionString))
        {
            await connection.OpenAsync().WaitAsync(ClusterPair.Wait);
            await ExecuteAsync(connection, $"UPDATE meeting_participants SET kicked_at = 1, left_at = 1 WHERE meeting_id = {meeting.Id} AND user_id = {guest.Id}");
            await ExecuteAsync(connection, $"UPDATE meeting_participants SET role = 'audience' WHERE meeting_id = {meeting.Id} AND user_id = {watcher.Id}");
        }
        await KillListenerAsync(cluster, cluster.B);

        var notice = await removed.WaitForAsync(13);
        Assert.Equal(ErrorCodes.KickedFromMeeting, notice.GetProperty("payload").GetProperty("code").GetInt32());
        Assert.Equal(4002, (await removed.WaitForCloseAsync()).Code);
        var info = await host.WaitForAsync(14, m => m.GetProperty("payload").GetProperty("reason").GetString() == "role-changed");
        var entry = info.GetProperty("payload").GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == watcher.Id);
        Assert.Equal("audience", entry.GetProperty("role").GetString());
    }

    [Fact]
    public async Task AfterAGapLongerThanTheLogAMeetingEndedMeanwhileEndsItsRoom()
    {
        await using var cluster = await ClusterPair.StartAsync(new() { ["Cluster:MessageRetentionSeconds"] = "5" });
        var meeting = await SignalingMeeting.CreateAsync(cluster.B);
        var (host, _) = await meeting.JoinAsync(meeting.Host);
        await using var _h = host;

        await using (var connection = new NpgsqlConnection(cluster.Database.ConnectionString))
        {
            await connection.OpenAsync().WaitAsync(ClusterPair.Wait);
            await ExecuteAsync(connection, $"UPDATE meetings SET status = 'ended' WHERE id = {meeting.Id}");
        }
        await KillListenerAsync(cluster, cluster.B);

        var notice = await host.WaitForAsync(13);
        Assert.Equal(ErrorCodes.MeetingEnded, notice.GetProperty("payload").GetProperty("code").GetInt32());
    }

    [Fact]
    public void TheLogCoversAQuickReconnectEvenAfterLongSilenceButNotAnOutageLongerThanItIsKept()
    {
        const long now = 1_000_000_000;
        // Heard a message 1 s ago, lost 0.5 s ago.
        Assert.True(ClusterBus.LogCovers(now - 1_000, now - 500, now, 60));
        // Nothing heard for an hour (a quiet cluster), the connection lost 1 s ago: it stopped delivering at most
        // 30 s before that, and the log reaches back 60 s.
        Assert.True(ClusterBus.LogCovers(now - 3_600_000, now - 1_000, now, 60));
        // Away for 40 s after an hour of silence: it may have stopped 70 s ago, further back than the log.
        Assert.False(ClusterBus.LogCovers(now - 3_600_000, now - 40_000, now, 60));
        // Away for 40 s, but a message was heard 41 s ago: 46 s with the margin, inside the 60 s.
        Assert.True(ClusterBus.LogCovers(now - 41_000, now - 40_000, now, 60));
        Assert.False(ClusterBus.LogCovers(now - 56_000, now - 55_000, now, 60));
    }

    [Fact]
    public void ANotificationGivesItsIdAndKeepsTheEnvelopeWholeWhateverItsForm()
    {
        var logged = BusIncoming.Parse("{\"id\":42,\"kind\":\"presence\",\"from\":\"node-a\",\"body\":{}}");
        Assert.Equal(42, logged.Id);
        Assert.Equal("{\"id\":42,\"kind\":\"presence\",\"from\":\"node-a\",\"body\":{}}", logged.Payload);

        var large = BusIncoming.Parse("@9001");
        Assert.Equal(9001, large.Id);
        Assert.Null(large.Payload);

        // A node of the previous version sends the bare envelope: handled, without an id to deduplicate on.
        var bare = BusIncoming.Parse("{\"kind\":\"presence\",\"from\":\"node-a\",\"body\":{}}");
        Assert.Equal(0, bare.Id);
        Assert.Equal("{\"kind\":\"presence\",\"from\":\"node-a\",\"body\":{}}", bare.Payload);

        Assert.Equal(0, BusIncoming.Parse("@not-a-number").Id);
    }

    [Fact]
    public void RecentIdsForgetTheOldestIdFirstOnceFull()
    {
        var recent = new RecentIds(3);
        foreach (var id in new long[] { 7, 3, 5, 3 })
        {
            recent.Add(id);
        }
        Assert.True(recent.Contains(7) && recent.Contains(3) && recent.Contains(5));

        recent.Add(1);

        Assert.False(recent.Contains(7));
        Assert.True(recent.Contains(3) && recent.Contains(5) && recent.Contains(1));
    }
}
