using System.Net;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Accounts;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Tests.Meetings;

/// <summary>Seats: the check is atomic in SQL (a crowd racing for the seats gets exactly max_participants of them), audience have their own cap.</summary>
public sealed class MeetingSeatTests
{
    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AThousandJoinsRacingForTheSeatsExactlyMaxParticipantsSucceed(StoreKind store)
    {
        const int racers = 1000;
        const int seats = 7;
        await using var server = await Stores.StartAsync(store);
        var users = server.Service<UserStore>();
        var meetings = server.Service<MeetingService>();
        var host = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync(b => b["max_participants"] = seats);
        // Racers are inserted straight into the store: a thousand password hashes would only slow the test down.
        var racerIds = new List<AuthenticatedUser>();
        for (var i = 0; i < racers; i++)
        {
            var name = $"racer{i}";
            var user = await users.InsertAsync(name, name + "@example.com", "not-a-hash", "", false, 0, CancellationToken.None);
            racerIds.Add(new AuthenticatedUser(user!.Id, name, name + "@example.com"));
        }

        // All racers wait on one gate (asynchronously: blocking a thousand pool threads would starve the pool).
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var joins = racerIds.Select(user => Task.Run(async () =>
        {
            await start.Task;
            return await meetings.JoinAsync(user, id, new JoinMeetingRequest(null), "http://127.0.0.1", "127.0.0.1", CancellationToken.None);
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(joins).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(seats, results.Count(r => r.IsSuccess));
        Assert.All(results.Where(r => !r.IsSuccess), r => Assert.Equal(ErrorCodes.MeetingFull, r.Error!.Code));
        var present = await meetings.GetParticipantsAsync(id, CancellationToken.None);
        Assert.Equal(seats, present.Count);
        Assert.Equal(seats, (await meetings.GetAsync(id, CancellationToken.None))!.ParticipantCount);
        Assert.Equal(results.Where(r => r.IsSuccess).Select(r => r.Value.ParticipantId).Order(), present.Select(p => p.ParticipantId).Order());
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task OneUserJoiningManyTimesAtOnceGetsOneSeatAndOneParticipantId(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store);
        var meetings = server.Service<MeetingService>();
        var host = await server.UserAsync();
        var guest = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync(b => b["max_participants"] = 2);
        var identity = new AuthenticatedUser(guest.Id, guest.Username, "");
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() =>
            meetings.JoinAsync(identity, id, new JoinMeetingRequest(null), "http://127.0.0.1", "127.0.0.1", CancellationToken.None)))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(results, r => Assert.True(r.IsSuccess, r.Error?.Details));
        Assert.Single(results.Select(r => r.Value.ParticipantId).Distinct());
        Assert.Equal(1, (await meetings.GetAsync(id, CancellationToken.None))!.ParticipantCount);
        // The second seat is still free.
        await (await server.UserAsync()).JoinIdAsync(id);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AFullMeetingAnswers409With20003AndTheAudienceHasItsOwnCap(StoreKind store)
    {
        await using var server = await Stores.StartAsync(store, new Dictionary<string, string?> { ["Meetings:MaxAudience"] = "1" });
        var host = await server.UserAsync();
        var id = await host.CreateMeetingIdAsync(b => b["max_participants"] = 1);
        // The host takes no seat of max_participants.
        await host.JoinIdAsync(id);
        var first = await server.UserAsync();
        var second = await server.UserAsync();
        var firstPid = await first.JoinIdAsync(id);
        await ApiAssert.ErrorAsync(await second.JoinAsync(id), HttpStatusCode.Conflict, 20003);
        // Audience fit beside a full room, up to their own cap (1 here).
        await second.JoinIdAsync(id, new { role = "audience" });
        var third = await server.UserAsync();
        await ApiAssert.ErrorAsync(await third.JoinAsync(id, new { role = "audience" }), HttpStatusCode.Conflict, 20003);
        // Promoting an audience member into a full room is refused too.
        var secondPid = (await host.ParticipantsAsync(id)).EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == second.Id).GetProperty("participant_id").GetInt64();
        await ApiAssert.ErrorAsync(await host.PostAsync($"api/v1/meetings/{id}/participants/{secondPid}/role", new { role = "participant" }), HttpStatusCode.Conflict, 20003);
        // A seat freed by leaving is taken by the next joiner.
        await ApiAssert.SuccessAsync(await first.PostAsync($"api/v1/meetings/{id}/leave"));
        await ApiAssert.SuccessAsync(await host.PostAsync($"api/v1/meetings/{id}/participants/{secondPid}/role", new { role = "participant" }));
        await ApiAssert.ErrorAsync(await first.JoinAsync(id), HttpStatusCode.Conflict, 20003);
        await third.JoinIdAsync(id, new { role = "audience" });
        Assert.NotEqual(0, firstPid);
    }
}
