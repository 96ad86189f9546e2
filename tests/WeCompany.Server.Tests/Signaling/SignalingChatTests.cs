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
    private static async Task<(HttpStatusCode Status, ChatHistoryPage? Page)> HistoryAsync(SignalingServer server, TestUser user, long meetingId, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/meetings/{meetingId}/messages{query}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
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
        await using var server = await SignalingServer.StartAsync();
        var alice = await server.ParticipantAsync(100);
        var bob = await server.ParticipantAsync(100);
        var (a, _) = await server.JoinAsync(100, alice);
        await using var _a = a;
        var (b, _) = await server.JoinAsync(100, bob);
        await using var _b = b;

        await a.SendAsync(new { type = 8, payload = new { content = "大家好！" } });
        await a.SendAsync(new { type = 8, payload = new { content = "second" } });

        var first = await b.WaitForAsync(8);
        var second = await b.WaitForAsync(8);
        var echo = await a.WaitForAsync(8);
        Assert.Equal("大家好！", first.GetProperty("payload").GetProperty("content").GetString());
        Assert.Equal(alice.Username.ToUpperInvariant(), first.GetProperty("payload").GetProperty("username").GetString());
        Assert.Equal(100, first.GetProperty("payload").GetProperty("meeting_id").GetInt64());
        Assert.Equal(1, first.GetProperty("payload").GetProperty("seq").GetInt64());
        Assert.Equal(2, second.GetProperty("payload").GetProperty("seq").GetInt64());
        Assert.Equal(first.GetProperty("id").GetString(), echo.GetProperty("id").GetString());

        var (status, page) = await HistoryAsync(server, bob, 100);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["大家好！", "second"], page!.Messages.Select(m => m.Content));
        Assert.Equal(2, page.NextAfterSeq);
        var (_, after) = await HistoryAsync(server, bob, 100, "?after_seq=1&limit=10");
        Assert.Equal("second", Assert.Single(after!.Messages).Content);
    }

    [Fact]
    public async Task APrivateMessageReachesOnlyItsRecipientAndItsSender()
    {
        await using var server = await SignalingServer.StartAsync();
        var alice = await server.ParticipantAsync(100);
        var bob = await server.ParticipantAsync(100);
        var carol = await server.ParticipantAsync(100);
        var (a, _) = await server.JoinAsync(100, alice);
        await using var _a = a;
        var (b, _) = await server.JoinAsync(100, bob);
        await using var _b = b;
        var (c, _) = await server.JoinAsync(100, carol);
        await using var _c = c;

        await a.SendAsync(new { type = 8, to_user_id = bob.Id, payload = new { content = "just for you" } });

        var received = await b.WaitForAsync(8);
        Assert.Equal(bob.Id, received.GetProperty("payload").GetProperty("to_user_id").GetInt64());
        await a.WaitForAsync(8);
        await c.SendAsync(new { type = 11 });
        Assert.Equal(12, (await c.ReceiveAsync())!.Value.GetProperty("type").GetInt32());
        var (_, carolsHistory) = await HistoryAsync(server, carol, 100);
        Assert.Empty(carolsHistory!.Messages);
        var (_, bobsHistory) = await HistoryAsync(server, bob, 100);
        Assert.Equal("just for you", Assert.Single(bobsHistory!.Messages).Content);
    }

    [Fact]
    public async Task ChatContentIsEscapedOnTheWireAndReadsBackUnchanged()
    {
        await using var server = await SignalingServer.StartAsync();
        var alice = await server.ParticipantAsync(100);
        var (a, _) = await server.JoinAsync(100, alice);
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
        await using var server = await SignalingServer.StartAsync();
        await server.ParticipantAsync(100);
        var outsider = await server.RegisterAsync();

        var (status, _) = await HistoryAsync(server, outsider, 100);
        using var anonymous = await server.Client.GetAsync("/api/v1/meetings/100/messages").WaitAsync(SignalingClient.Timeout);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task AServerNoticeIsStoredAndDeliveredAsChatFromUserZero()
    {
        await using var server = await SignalingServer.StartAsync();
        var alice = await server.ParticipantAsync(100);
        var (a, _) = await server.JoinAsync(100, alice);
        await using var _a = a;

        await server.Directory.Bus!.PublishAsync(new WeCompany.Server.Meetings.MeetingNotice(100, alice.Id, "report.pdf was shared"), CancellationToken.None);

        var notice = await a.WaitForAsync(8);
        Assert.Equal(0, notice.GetProperty("from_user_id").GetInt64());
        Assert.Equal("report.pdf was shared", notice.GetProperty("payload").GetProperty("content").GetString());
        var (_, page) = await HistoryAsync(server, alice, 100);
        Assert.Equal(0, Assert.Single(page!.Messages).FromUserId);
    }
}
