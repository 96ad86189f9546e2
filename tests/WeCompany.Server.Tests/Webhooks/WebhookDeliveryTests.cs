using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using WeCompany.Server.Tests.Files;
using WeCompany.Server.Tests.Meetings;

namespace WeCompany.Server.Tests.Webhooks;

/// <summary>Events reach a real receiving HTTP server: signed, once each, in order per meeting, retried on failure.</summary>
public sealed class WebhookDeliveryTests
{
    private static async Task<JsonElement> PutAsync(MeetingUser user, string path, object body) =>
        await ApiAssert.SuccessAsync(await user.Client.PutAsJsonAsync(path, body).WaitAsync(MeetingKit.Timeout));

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task EveryEventTypeArrivesSignedOnceAndInOrderPerMeeting(StoreKind store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await Stores.StartAsync(store, WebhookKit.Settings());
        var admin = await server.AdminAsync();
        var hook = await admin.RegisterWebhookAsync(receiver.Url);
        var guest = await server.UserAsync();
        var third = await server.UserAsync();

        var meetingId = await admin.CreateMeetingIdAsync(b => b["is_public"] = true);
        await PutAsync(admin, $"api/v1/meetings/{meetingId}", new { title = "Renamed" });
        await admin.JoinIdAsync(meetingId);
        var guestParticipant = await guest.JoinIdAsync(meetingId);
        var thirdParticipant = await third.JoinIdAsync(meetingId);
        await ApiAssert.SuccessAsync(await admin.PostAsync($"api/v1/meetings/{meetingId}/participants/{guestParticipant}/role", new { role = "co-host" }));
        var file = await FileUploads.UploadOkAsync(guest.Client, FileUploads.Pdf(2000), "notes.pdf", meetingId);
        await ApiAssert.SuccessAsync(await admin.PostAsync($"api/v1/meetings/{meetingId}/participants/{thirdParticipant}/kick"));
        await ApiAssert.SuccessAsync(await guest.PostAsync($"api/v1/meetings/{meetingId}/leave"));
        await ApiAssert.SuccessAsync(await admin.PostAsync($"api/v1/meetings/{meetingId}/end"));
        var other = await admin.CreateMeetingIdAsync();
        await ApiAssert.SuccessAsync(await admin.Client.DeleteAsync($"api/v1/meetings/{other}").WaitAsync(MeetingKit.Timeout));

        string[] expected =
        [
            "meeting.created", "meeting.updated", "meeting.started", "participant.joined", "participant.joined", "participant.joined",
            "participant.role_changed", "file.uploaded", "participant.kicked", "participant.left", "meeting.ended",
        ];
        // Once every delivery is marked delivered nothing more will be sent: what the receiver has then is all it gets.
        await admin.WaitForDeliveriesAsync(hook.Id, rows => rows.Count == expected.Length + 2 && rows.All(r => r.GetProperty("state").GetString() == "delivered"),
            "every delivery to be marked delivered");
        var received = receiver.Received;
        Assert.Equal(expected.Length + 2, received.Count);
        Assert.Equal(expected, received.Where(r => r.MeetingId == meetingId).Select(r => r.Type));
        Assert.Equal(["meeting.created", "meeting.deleted"], received.Where(r => r.MeetingId == other).Select(r => r.Type));
        Assert.Equal(received.Count, received.Select(r => r.EventId).Distinct().Count());
        Assert.All(received, r =>
        {
            Assert.True(r.IsSignedWith(hook.Secret), $"{r.Type} has no valid signature");
            Assert.Equal(r.EventId, r.Id);
            Assert.Equal(r.EventId, r.IdempotencyKey);
        });
        var byType = received.Where(r => r.MeetingId == meetingId).ToLookup(r => r.Type);
        Assert.Equal("Renamed", byType["meeting.updated"].Single().Json.GetProperty("data").GetProperty("title").GetString());
        Assert.Equal(admin.Id, byType["meeting.started"].Single().Json.GetProperty("user_id").GetInt64());
        Assert.Equal([admin.Id, guest.Id, third.Id], byType["participant.joined"].Select(r => r.Json.GetProperty("user_id").GetInt64()));
        var role = byType["participant.role_changed"].Single().Json;
        Assert.Equal(guest.Id, role.GetProperty("user_id").GetInt64());
        Assert.Equal("co-host", role.GetProperty("data").GetProperty("role").GetString());
        Assert.Equal(file.FileId, byType["file.uploaded"].Single().Json.GetProperty("data").GetProperty("file_id").GetString());
        var kicked = byType["participant.kicked"].Single().Json;
        Assert.Equal(third.Id, kicked.GetProperty("user_id").GetInt64());
        Assert.Equal(admin.Id, kicked.GetProperty("data").GetProperty("by_user_id").GetInt64());
        Assert.Equal(guest.Id, byType["participant.left"].Single().Json.GetProperty("user_id").GetInt64());
        Assert.Equal(admin.Id, byType["meeting.ended"].Single().Json.GetProperty("data").GetProperty("by_user_id").GetInt64());
    }

    [Fact]
    public async Task AnEndpointThatFailsThreeTimesGetsTheEventOnceMoreAndIsMarkedDelivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync(x =>
        {
            x.Context.Response.StatusCode = x.Number <= 3 ? 500 : 200;
            return x.Number <= 3 ? x.Context.Response.WriteAsync("database is down") : Task.CompletedTask;
        });
        await using var server = await TestServer.StartAsync(WebhookKit.Settings());
        var admin = await server.AdminAsync();
        var hook = await admin.RegisterWebhookAsync(receiver.Url, "meeting.created");
        var meetingId = await admin.CreateMeetingIdAsync();

        var rows = await admin.WaitForDeliveriesAsync(hook.Id, r => r.Count == 1 && r[0].GetProperty("state").GetString() == "delivered", "the delivery to succeed");
        var received = receiver.Received;
        Assert.Equal(4, received.Count);
        Assert.Single(received.Select(r => r.Id).Distinct());
        Assert.All(received, r => Assert.Equal(meetingId, r.MeetingId));
        Assert.All(received, r => Assert.True(r.IsSignedWith(hook.Secret)));
        var delivery = rows[0];
        Assert.Equal(4, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivery.GetProperty("last_status").GetInt32());
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("last_error").ValueKind);
        Assert.Equal("meeting.created", delivery.GetProperty("event_type").GetString());
        var counts = (await ApiAssert.SuccessAsync(await admin.Client.GetAsync($"api/v1/admin/webhooks/{hook.Id}/deliveries?limit=1").WaitAsync(MeetingKit.Timeout)))
            .GetProperty("counts");
        Assert.Equal((0, 1, 0), (counts.GetProperty("pending").GetInt32(), counts.GetProperty("delivered").GetInt32(), counts.GetProperty("failed").GetInt32()));
    }

    [Fact]
    public async Task ADeliveryThatKeepsFailingIsGivenUpAfterTheLastAttemptAndTheNextEventOfTheMeetingGoesOut()
    {
        // The first event of the meeting is refused for good; everything after it is accepted.
        await using var receiver = await WebhookReceiver.StartAsync(x =>
        {
            x.Context.Response.StatusCode = x.Request.Type == "meeting.created" ? 503 : 200;
            return Task.CompletedTask;
        });
        await using var server = await TestServer.StartAsync(WebhookKit.Settings(extra: new() { ["Webhooks:MaxAttempts"] = "3" }));
        var admin = await server.AdminAsync();
        var hook = await admin.RegisterWebhookAsync(receiver.Url, "meeting.created", "meeting.updated");
        var meetingId = await admin.CreateMeetingIdAsync();
        await PutAsync(admin, $"api/v1/meetings/{meetingId}", new { title = "Second" });

        var rows = await admin.WaitForDeliveriesAsync(hook.Id, r => r.Count == 2 && r.All(d => d.GetProperty("state").GetString() != "pending"), "both deliveries to finish");
        var created = rows.Single(r => r.GetProperty("event_type").GetString() == "meeting.created");
        Assert.Equal("failed", created.GetProperty("state").GetString());
        Assert.Equal(3, created.GetProperty("attempts").GetInt32());
        Assert.Equal(503, created.GetProperty("last_status").GetInt32());
        Assert.Equal("delivered", rows.Single(r => r.GetProperty("event_type").GetString() == "meeting.updated").GetProperty("state").GetString());
        // In order per meeting: the update was held back until the creation was given up.
        Assert.Equal(["meeting.created", "meeting.created", "meeting.created", "meeting.updated"], receiver.Received.Select(r => r.Type));
    }

    [Fact]
    public async Task AHangingEndpointDelaysNeitherAnotherEndpointNorTheApi()
    {
        using var release = new CancellationTokenSource();
        await using var hanging = await WebhookReceiver.StartAsync(async x =>
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(x.Context.RequestAborted, release.Token);
            await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        await using var healthy = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(WebhookKit.Settings(extra: new()
        {
            ["Webhooks:RequestTimeoutSeconds"] = "30",
            ["Webhooks:MaxConcurrentPerEndpoint"] = "8",
        }));
        var admin = await server.AdminAsync();
        await admin.RegisterWebhookAsync(hanging.Url, "meeting.created");
        await admin.RegisterWebhookAsync(healthy.Url, "meeting.created");

        var started = DateTime.UtcNow;
        var meetings = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            meetings.Add(await admin.CreateMeetingIdAsync());
        }
        await healthy.WaitForAsync(r => r.Count == meetings.Count, "the healthy endpoint to get every event", seconds: 10);
        // The hanging endpoint fills its 8 request slots (one meeting each) and gets nothing more while none answers.
        await hanging.WaitForAsync(r => r.Count == 8, "the hanging endpoint's 8 requests", seconds: 10);
        Assert.Equal(8, hanging.Received.Count);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the healthy endpoint waited for the hanging one's timeout");
        Assert.Equal(meetings.Order(), healthy.Received.Select(r => r.MeetingId!.Value).Order());
        release.Cancel();
    }

    [Fact]
    public async Task AfterRotationRequestsCarrySignaturesWithTheNewAndTheOldSecret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(WebhookKit.Settings());
        var admin = await server.AdminAsync();
        var hook = await admin.RegisterWebhookAsync(receiver.Url, "meeting.created");
        var rotated = await ApiAssert.SuccessAsync(await admin.PostAsync($"api/v1/admin/webhooks/{hook.Id}/rotate-secret"));
        var secret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(hook.Secret, secret);
        Assert.Equal(JsonValueKind.String, rotated.GetProperty("previous_secret_valid_until").ValueKind);

        await admin.CreateMeetingIdAsync();
        var request = (await receiver.WaitForAsync(r => r.Count == 1, "the event")).Single();
        Assert.True(request.IsSignedWith(secret));
        Assert.True(request.IsSignedWith(hook.Secret));
        Assert.Equal(2, request.Signature!.Split(' ').Length);
        Assert.False(request.IsSignedWith("some-other-secret-of-enough-length"));
    }

    [Fact]
    public async Task ADisabledEndpointGetsNothingAndADeletedOneLosesItsDeliveries()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(WebhookKit.Settings());
        var admin = await server.AdminAsync();
        var hook = await admin.RegisterWebhookAsync(receiver.Url, "meeting.created", "meeting.updated");
        await ApiAssert.SuccessAsync(await admin.Client.PutAsJsonAsync($"api/v1/admin/webhooks/{hook.Id}", new { enabled = false }).WaitAsync(MeetingKit.Timeout));
        var meetingId = await admin.CreateMeetingIdAsync();
        Assert.Empty(await admin.DeliveriesAsync(hook.Id));

        await ApiAssert.SuccessAsync(await admin.Client.PutAsJsonAsync($"api/v1/admin/webhooks/{hook.Id}", new { enabled = true, events = new[] { "meeting.updated" } }).WaitAsync(MeetingKit.Timeout));
        await admin.CreateMeetingIdAsync();
        await PutAsync(admin, $"api/v1/meetings/{meetingId}", new { title = "Only this one" });
        var received = await receiver.WaitForAsync(r => r.Count == 1, "the update");
        Assert.Equal("meeting.updated", received.Single().Type);

        await ApiAssert.SuccessAsync(await admin.Client.DeleteAsync($"api/v1/admin/webhooks/{hook.Id}").WaitAsync(MeetingKit.Timeout));
        await ApiAssert.ErrorAsync(await admin.Client.GetAsync($"api/v1/admin/webhooks/{hook.Id}/deliveries").WaitAsync(MeetingKit.Timeout),
            HttpStatusCode.NotFound, Protocol.Rest.ErrorCodes.WebhookNotFound);
    }
}
