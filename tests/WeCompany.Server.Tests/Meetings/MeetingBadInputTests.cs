using System.Net;
using System.Net.Http.Json;

namespace WeCompany.Server.Tests.Meetings;

/// <summary>Every bad input of the issue answers its documented error, and a good request still succeeds after it.</summary>
public sealed class MeetingBadInputTests(MeetingBadInputTests.SharedServer shared) : IClassFixture<MeetingBadInputTests.SharedServer>
{
    public sealed class SharedServer : IAsyncLifetime
    {
        public TestServer Server { get; private set; } = null!;

        public MeetingUser Host { get; private set; } = null!;

        public MeetingUser Other { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Meetings:MaxParticipantsCap"] = "50" });
            Host = await Server.UserAsync();
            Other = await Server.UserAsync();
        }

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    public static TheoryData<string, string> BadCreates() => new()
    {
        { "start_time in the past", "start_time must not be in the past" },
        { "start_time unparsable", "start_time must be an ISO-8601" },
        { "duration 0", "duration must be between 1 and 1440" },
        { "duration negative", "duration must be between 1 and 1440" },
        { "duration over 24 h", "duration must be between 1 and 1440" },
        { "max_participants 0", "max_participants must be between 1 and 50" },
        { "max_participants over the cap", "max_participants must be between 1 and 50" },
        { "title empty", "title is required" },
        { "title blank", "title is required" },
        { "title missing", "title is required" },
        { "title over 200", "title must be at most 200" },
        { "password required but missing", "settings.password is required" },
        { "password required but empty", "settings.password is required" },
    };

    private static Dictionary<string, object?> BadBody(string name) => MeetingKit.Body(b =>
    {
        switch (name)
        {
            case "start_time in the past": b["start_time"] = DateTimeOffset.UtcNow.AddHours(-2).ToString("O"); break;
            case "start_time unparsable": b["start_time"] = "tomorrow at noon"; break;
            case "duration 0": b["duration"] = 0; break;
            case "duration negative": b["duration"] = -5; break;
            case "duration over 24 h": b["duration"] = 24 * 60 + 1; break;
            case "max_participants 0": b["max_participants"] = 0; break;
            case "max_participants over the cap": b["max_participants"] = 51; break;
            case "title empty": b["title"] = ""; break;
            case "title blank": b["title"] = "   "; break;
            case "title missing": b.Remove("title"); break;
            case "title over 200": b["title"] = new string('会', 201); break;
            case "password required but missing": b["settings"] = new { require_password = true }; break;
            case "password required but empty": b["settings"] = new { require_password = true, password = "" }; break;
            default: throw new ArgumentOutOfRangeException(nameof(name));
        }
    });

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task BadCreateBodiesAnswer400With90001AndAGoodOneStillSucceeds(string name, string message)
    {
        var response = await shared.Host.Client.PostAsJsonAsync("api/v1/meetings", BadBody(name));
        var body = await ApiAssert.ErrorAsync(response, HttpStatusCode.BadRequest, 90001);
        Assert.Contains(message, body.GetProperty("error").GetProperty("details").GetString(), StringComparison.Ordinal);
        await shared.Host.CreateMeetingAsync();
    }

    [Fact]
    public async Task TheEdgesOfEachRangeAreAccepted()
    {
        await shared.Host.CreateMeetingAsync(b => { b["duration"] = 24 * 60; b["max_participants"] = 50; b["title"] = new string('会', 200); });
        await shared.Host.CreateMeetingAsync(b => { b["duration"] = 1; b["max_participants"] = 1; b["title"] = "x"; });
    }

    [Fact]
    public async Task AWrongTypedOrMalformedBodyAnswers400With90002()
    {
        await ApiAssert.ErrorAsync(await shared.Host.Client.PostAsync("api/v1/meetings", MeetingKit.Json(new { title = "t", duration = "sixty" })),
            HttpStatusCode.BadRequest, 90002);
        var id = await shared.Host.CreateMeetingIdAsync();
        using var broken = new StringContent("{\"password\":", System.Text.Encoding.UTF8, "application/json");
        await ApiAssert.ErrorAsync(await shared.Host.Client.PostAsync($"api/v1/meetings/{id}/join", broken), HttpStatusCode.BadRequest, 90002);
        await shared.Host.JoinIdAsync(id);
    }

    [Theory]
    [InlineData("GET", "api/v1/meetings/abc")]
    [InlineData("PUT", "api/v1/meetings/1x")]
    [InlineData("DELETE", "api/v1/meetings/-1")]
    [InlineData("POST", "api/v1/meetings/abc/join")]
    [InlineData("POST", "api/v1/meetings/abc/leave")]
    [InlineData("POST", "api/v1/meetings/abc/end")]
    [InlineData("GET", "api/v1/meetings/abc/participants")]
    [InlineData("POST", "api/v1/meetings/abc/mute-all")]
    [InlineData("POST", "api/v1/meetings/1/participants/abc/kick")]
    [InlineData("POST", "api/v1/meetings/1/participants/x/role")]
    [InlineData("POST", "api/v1/meetings/1/participants/1.5/mute")]
    public async Task IdsThatAreNotNumbersAnswer400(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method is "PUT" || path.EndsWith("/role", StringComparison.Ordinal) ? MeetingKit.Json(new { role = "audience" }) : null };
        var body = await ApiAssert.ErrorAsync(await shared.Host.Client.SendAsync(request), HttpStatusCode.BadRequest, 90001);
        Assert.Contains("must be a number", body.GetProperty("error").GetProperty("details").GetString(), StringComparison.Ordinal);
        await shared.Host.CreateMeetingAsync();
    }

    [Theory]
    [InlineData("GET", "api/v1/meetings/987654")]
    [InlineData("PUT", "api/v1/meetings/987654")]
    [InlineData("DELETE", "api/v1/meetings/987654")]
    [InlineData("POST", "api/v1/meetings/987654/join")]
    [InlineData("POST", "api/v1/meetings/987654/leave")]
    [InlineData("POST", "api/v1/meetings/987654/end")]
    [InlineData("GET", "api/v1/meetings/987654/participants")]
    [InlineData("POST", "api/v1/meetings/987654/mute-all")]
    [InlineData("POST", "api/v1/meetings/987654/participants/1/kick")]
    [InlineData("GET", "api/v1/meetings/code/ZZZ-ZZZ-ZZZ")]
    public async Task IdsThatDoNotExistAnswer404With20001(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "PUT" ? MeetingKit.Json(new { title = "t" }) : null };
        await ApiAssert.ErrorAsync(await shared.Host.Client.SendAsync(request), HttpStatusCode.NotFound, 20001);
        await shared.Host.CreateMeetingAsync();
    }

    [Fact]
    public async Task AnotherUsersMeetingCannotBeEditedEndedOrDeleted()
    {
        var id = await shared.Host.CreateMeetingIdAsync(b => b["is_public"] = true);
        await ApiAssert.ErrorAsync(await shared.Other.Client.PutAsync($"api/v1/meetings/{id}", MeetingKit.Json(new { title = "mine now" })), HttpStatusCode.Forbidden, 20005);
        await ApiAssert.ErrorAsync(await shared.Other.PostAsync($"api/v1/meetings/{id}/end"), HttpStatusCode.Forbidden, 20005);
        await ApiAssert.ErrorAsync(await shared.Other.Client.DeleteAsync($"api/v1/meetings/{id}"), HttpStatusCode.Forbidden, 20005);
        Assert.Equal("项目讨论会", (await shared.Other.MeetingAsync(id)).GetProperty("title").GetString());
        await ApiAssert.SuccessAsync(await shared.Host.Client.PutAsync($"api/v1/meetings/{id}", MeetingKit.Json(new { title = "still mine" })));
    }

    [Fact]
    public async Task BadUpdatesAnswer400AndLeaveTheMeetingAsItWas()
    {
        var id = await shared.Host.CreateMeetingIdAsync();
        foreach (var body in new object[]
                 {
                     new { title = "" }, new { duration = 0 }, new { max_participants = 51 },
                     new { start_time = "2001-01-01T00:00:00Z" }, new { start_time = "soon" },
                 })
        {
            await ApiAssert.ErrorAsync(await shared.Host.Client.PutAsync($"api/v1/meetings/{id}", MeetingKit.Json(body)), HttpStatusCode.BadRequest, 90001);
        }
        var meeting = await shared.Host.MeetingAsync(id);
        Assert.Equal(60, meeting.GetProperty("duration").GetInt32());
        await ApiAssert.SuccessAsync(await shared.Host.Client.PutAsync($"api/v1/meetings/{id}", MeetingKit.Json(new { duration = 30 })));
    }

    [Fact]
    public async Task ModerationOnAParticipantOfAnotherMeetingAnswers404With20007()
    {
        var mine = await shared.Host.CreateMeetingIdAsync();
        var theirs = await shared.Other.CreateMeetingIdAsync();
        await shared.Host.JoinIdAsync(mine);
        var stranger = await shared.Server.UserAsync();
        var theirPid = await stranger.JoinIdAsync(theirs);
        foreach (var action in new[] { "kick", "mute", "role" })
        {
            var response = await shared.Host.PostAsync($"api/v1/meetings/{mine}/participants/{theirPid}/{action}", action == "role" ? new { role = "audience" } : null);
            await ApiAssert.ErrorAsync(response, HttpStatusCode.NotFound, 20007);
        }
        Assert.Single((await shared.Other.ParticipantsAsync(theirs)).EnumerateArray());
        var myGuest = await shared.Server.UserAsync();
        var myPid = await myGuest.JoinIdAsync(mine);
        await ApiAssert.SuccessAsync(await shared.Host.PostAsync($"api/v1/meetings/{mine}/participants/{myPid}/mute"));
    }

    [Fact]
    public async Task BadRoleAndMediaTypeAnswer400()
    {
        var id = await shared.Host.CreateMeetingIdAsync();
        var guest = await shared.Server.UserAsync();
        var pid = await guest.JoinIdAsync(id);
        foreach (var role in new[] { "host", "king", "" })
        {
            await ApiAssert.ErrorAsync(await shared.Host.PostAsync($"api/v1/meetings/{id}/participants/{pid}/role", new { role }), HttpStatusCode.BadRequest, 90001);
        }
        await ApiAssert.ErrorAsync(await shared.Host.PostAsync($"api/v1/meetings/{id}/participants/{pid}/mute", new { media_type = "screen" }), HttpStatusCode.BadRequest, 90001);
        await ApiAssert.ErrorAsync(await guest.JoinAsync(id, new { role = "host" }), HttpStatusCode.BadRequest, 90001);
        await ApiAssert.SuccessAsync(await shared.Host.PostAsync($"api/v1/meetings/{id}/participants/{pid}/role", new { role = "co-host" }));
    }

    [Fact]
    public async Task AKickedUserCannotRejoinAnswering403With20006()
    {
        var id = await shared.Host.CreateMeetingIdAsync(b => b["settings"] = new { require_password = true, password = "meeting123" });
        var guest = await shared.Server.UserAsync();
        var pid = await guest.JoinIdAsync(id, new { password = "meeting123" });
        await ApiAssert.SuccessAsync(await shared.Host.PostAsync($"api/v1/meetings/{id}/participants/{pid}/kick"));
        await ApiAssert.ErrorAsync(await guest.JoinAsync(id, new { password = "meeting123" }), HttpStatusCode.Forbidden, 20006);
        // Kicking twice finds no participant.
        await ApiAssert.ErrorAsync(await shared.Host.PostAsync($"api/v1/meetings/{id}/participants/{pid}/kick"), HttpStatusCode.NotFound, 20007);
        var next = await shared.Server.UserAsync();
        await next.JoinIdAsync(id, new { password = "meeting123" });
    }

    [Fact]
    public async Task WrongOrMissingMeetingPasswordAnswers403With20004()
    {
        var id = await shared.Host.CreateMeetingIdAsync(b => b["settings"] = new { require_password = true, password = "meeting123" });
        var guest = await shared.Server.UserAsync();
        await ApiAssert.ErrorAsync(await guest.JoinAsync(id), HttpStatusCode.Forbidden, 20004);
        await ApiAssert.ErrorAsync(await guest.JoinAsync(id, new { password = "meeting124" }), HttpStatusCode.Forbidden, 20004);
        await ApiAssert.ErrorAsync(await guest.JoinAsync(id, new { password = new string('x', 200) }), HttpStatusCode.Forbidden, 20004);
        // The host needs no password for their own meeting.
        await shared.Host.JoinIdAsync(id);
        await guest.JoinIdAsync(id, new { password = "meeting123" });
    }

    [Fact]
    public async Task DeletingAnActiveMeetingAnswers409With20008()
    {
        var id = await shared.Host.CreateMeetingIdAsync();
        await shared.Host.JoinIdAsync(id);
        await ApiAssert.ErrorAsync(await shared.Host.Client.DeleteAsync($"api/v1/meetings/{id}"), HttpStatusCode.Conflict, 20008);
        var scheduled = await shared.Host.CreateMeetingIdAsync();
        await ApiAssert.SuccessAsync(await shared.Host.Client.DeleteAsync($"api/v1/meetings/{scheduled}"));
    }

    [Theory]
    [InlineData("status=open")]
    [InlineData("page=0")]
    [InlineData("page=x")]
    [InlineData("page_size=0")]
    [InlineData("page_size=ten")]
    public async Task BadListQueriesAnswer400With90001(string query)
    {
        await ApiAssert.ErrorAsync(await shared.Host.Client.GetAsync("api/v1/meetings?" + query), HttpStatusCode.BadRequest, 90001);
        await ApiAssert.SuccessAsync(await shared.Host.Client.GetAsync("api/v1/meetings?page=1&page_size=20"));
    }

    [Fact]
    public async Task WithoutATokenEveryMeetingsEndpointAnswers401()
    {
        await ApiAssert.ErrorAsync(await shared.Server.Client.GetAsync("api/v1/meetings"), HttpStatusCode.Unauthorized, 10011);
        await ApiAssert.ErrorAsync(await shared.Server.Client.PostAsync("api/v1/meetings/1/join", null), HttpStatusCode.Unauthorized, 10011);
    }
}
