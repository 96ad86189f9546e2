using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Tests.Meetings;

/// <summary>A registered user with a client that carries their token.</summary>
public sealed record MeetingUser(long Id, string Username, string Token, HttpClient Client);

/// <summary>Helpers the meetings tests share: users, meetings, joins, over the real REST surface.</summary>
public static class MeetingKit
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<MeetingUser> UserAsync(this TestServer server, string? name = null)
    {
        var auth = await server.RegisterAsync(name).WaitAsync(Timeout);
        return new MeetingUser(auth.UserId, auth.Username, auth.Token, server.ClientFor(auth.Token));
    }

    public static string FutureTime(int minutes = 60) =>
        DateTimeOffset.UtcNow.AddMinutes(minutes).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A valid create body; <paramref name="change"/> edits it.</summary>
    public static Dictionary<string, object?> Body(Action<Dictionary<string, object?>>? change = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["title"] = "项目讨论会",
            ["description"] = "讨论Q1项目进度",
            ["start_time"] = FutureTime(),
            ["duration"] = 60,
            ["max_participants"] = 10,
            ["is_public"] = false,
            ["settings"] = new Dictionary<string, object?> { ["enable_recording"] = true, ["enable_ai_analysis"] = true, ["require_password"] = false },
        };
        change?.Invoke(body);
        return body;
    }

    /// <summary>Creates a meeting (asserting 201) and answers its data.</summary>
    public static async Task<JsonElement> CreateMeetingAsync(this MeetingUser host, Action<Dictionary<string, object?>>? change = null)
    {
        var response = await host.Client.PostAsJsonAsync("api/v1/meetings", Body(change)).WaitAsync(Timeout);
        return await ApiAssert.SuccessAsync(response, HttpStatusCode.Created);
    }

    public static async Task<long> CreateMeetingIdAsync(this MeetingUser host, Action<Dictionary<string, object?>>? change = null) =>
        (await host.CreateMeetingAsync(change)).GetProperty("meeting_id").GetInt64();

    public static Task<HttpResponseMessage> PostAsync(this MeetingUser user, string path, object? body = null) =>
        user.Client.PostAsync(path, body is null ? null : Json(body)).WaitAsync(Timeout);

    public static Task<HttpResponseMessage> JoinAsync(this MeetingUser user, long meetingId, object? body = null) =>
        user.PostAsync($"api/v1/meetings/{meetingId}/join", body);

    /// <summary>Joins (asserting 200) and answers the participant id.</summary>
    public static async Task<long> JoinIdAsync(this MeetingUser user, long meetingId, object? body = null) =>
        (await ApiAssert.SuccessAsync(await user.JoinAsync(meetingId, body))).GetProperty("participant_id").GetInt64();

    public static async Task<JsonElement> ParticipantsAsync(this MeetingUser user, long meetingId) =>
        (await ApiAssert.SuccessAsync(await user.Client.GetAsync($"api/v1/meetings/{meetingId}/participants").WaitAsync(Timeout)))
            .GetProperty("participants");

    public static async Task<JsonElement> MeetingAsync(this MeetingUser user, long meetingId) =>
        await ApiAssert.SuccessAsync(await user.Client.GetAsync($"api/v1/meetings/{meetingId}").WaitAsync(Timeout));

    public static StringContent Json(object body) =>
        new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="within"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Collects the events published on the server's meeting bus.</summary>
    public static (List<Server.Meetings.MeetingEvent> Events, IDisposable Subscription) RecordEvents(this TestServer server)
    {
        var events = new List<Server.Meetings.MeetingEvent>();
        var subscription = server.Service<Server.Meetings.IMeetingEventBus>().Subscribe((e, _) =>
        {
            lock (events)
            {
                events.Add(e);
            }
            return ValueTask.CompletedTask;
        });
        return (events, subscription);
    }
}
