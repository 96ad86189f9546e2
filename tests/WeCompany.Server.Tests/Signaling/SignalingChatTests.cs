using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Signaling;

namespace WeCompany.Server.Tests.Signaling;

public sealed class SignalingChatTests
{
    private static async Task<(HttpStatusCode Status, ChatHistoryPage? Page)> HistoryAsync(TestServer server, string token, long meetingId, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/meetings/{meetingId}/messages{query}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request).WaitAsync(SignalingClient.Timeout);
        if (!response.IsSuccessStatusCode)
        {
            return (response.StatusCode, null);
        }
        var body = await response.Content.ReadFromJsonAsync<ApiResponse<ChatHistoryPage>>(WireJson.Options);
        return (response.StatusCode, body!.Data);
    }

    [Fact]
    public async Task ChatIsStoredNumberedAndBroadcastToEveryoneInTheRoom()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;

        await a.SendAsync(new { type = 8, payload = new { content = "大家好！" } });
        await a.SendAsync(new { type = 8, payload = new { content = "second" } });

        var first = await b.WaitForAsync(8);
        var second = await b.WaitForAsync(8);
        var echo = await a.WaitForAsync(8);
        Assert.Equal("大家好！", first.GetProperty("payload").GetProperty("content").GetString());
        Assert.Equal("User " + alice.Username, first.GetProperty("payload").GetProperty("username").GetString());
        Assert.Equal(meeting.Id, first.GetProperty("payload").GetProperty("meeting_id").GetInt64());
        Assert.Equal(1, first.GetProperty("payload").GetProperty("seq").GetInt64());
        Assert.Equal(2, second.GetProperty("payload").GetProperty("seq").GetInt64());
        Assert.Equal(first.GetProperty("id").GetString(), echo.GetProperty("id").GetString());

        var (status, page) = await HistoryAsync(server, bob.User.Token, meeting.Id);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["大家好！", "second"], page!.Messages.Select(m => m.Content));
        Assert.Equal(2, page.NextAfterSeq);
        var (_, after) = await HistoryAsync(server, bob.User.Token, meeting.Id, "?after_seq=1&limit=10");
        Assert.Equal("second", Assert.Single(after!.Messages).Content);
    }

    [Fact]
    public async Task APrivateMessageReachesOnlyItsRecipientAndItsSender()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var carol = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        var (b, _) = await meeting.JoinAsync(bob);
        await using var _b = b;
        var (c, _) = await meeting.JoinAsync(carol);
        await using var _c = c;

        await a.SendAsync(new { type = 8, to_user_id = bob.Id, payload = new { content = "just for you" } });

        var received = await b.WaitForAsync(8);
        Assert.Equal(bob.Id, received.GetProperty("payload").GetProperty("to_user_id").GetInt64());
        await a.WaitForAsync(8);
        await c.SendAsync(new { type = 11 });
        Assert.Equal(12, (await c.ReceiveAsync())!.Value.GetProperty("type").GetInt32());
        var (_, carolsHistory) = await HistoryAsync(server, carol.User.Token, meeting.Id);
        Assert.Empty(carolsHistory!.Messages);
        var (_, bobsHistory) = await HistoryAsync(server, bob.User.Token, meeting.Id);
        Assert.Equal("just for you", Assert.Single(bobsHistory!.Messages).Content);
    }

    [Fact]
    public async Task ChatContentIsEscapedOnTheWireAndReadsBackUnchanged()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;
        const string script = "<script>alert('x')</script> & \"quotes\"";

        await a.SendAsync(new { type = 8, payload = new { content = script } });
        var buffer = new byte[64 * 1024];
        string raw;
        do
        {
            var result = await a.Socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(SignalingClient.Timeout);
            raw = Encoding.UTF8.GetString(buffer, 0, result.Count);
        }
        while (!raw.Contains("\"type\":8", StringComparison.Ordinal));

        Assert.DoesNotContain("<script>", raw, StringComparison.Ordinal);
        Assert.Contains("\\u003Cscript\\u003E", raw, StringComparison.Ordinal);
        Assert.Equal(script, System.Text.Json.JsonDocument.Parse(raw).RootElement.GetProperty("payload").GetProperty("content").GetString());
    }

    [Fact]
    public async Task HistoryIsForParticipantsOnly()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        await meeting.ParticipantAsync();
        var outsider = await meeting.OutsiderAsync();

        var (status, _) = await HistoryAsync(server, outsider.Token, meeting.Id);
        using var anonymous = await server.Client.GetAsync($"/api/v1/meetings/{meeting.Id}/messages").WaitAsync(SignalingClient.Timeout);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task AServerNoticeIsStoredAndDeliveredAsChatFromUserZero()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var (a, _) = await meeting.JoinAsync(alice);
        await using var _a = a;

        await server.Service<WeCompany.Server.Meetings.IMeetingEventBus>().PublishAsync(new WeCompany.Server.Meetings.MeetingNotice(meeting.Id, alice.Id, "report.pdf was shared"), CancellationToken.None);

        var notice = await a.WaitForAsync(8);
        Assert.Equal(0, notice.GetProperty("from_user_id").GetInt64());
        Assert.Equal("report.pdf was shared", notice.GetProperty("payload").GetProperty("content").GetString());
        var (_, page) = await HistoryAsync(server, alice.User.Token, meeting.Id);
        Assert.Equal(0, Assert.Single(page!.Messages).FromUserId);
    }
}
