using System.Net.Http.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Tests.Signaling;

public sealed class SignalingConnectionTests
{
    private static async Task<(int Status, int Code)> PlainGetAsync(TestServer server, Uri uri, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri.PathAndQuery);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        using var response = await server.Client.SendAsync(request).WaitAsync(SignalingClient.Timeout);
        var body = await response.Content.ReadFromJsonAsync<ApiErrorResponse>(WireJson.Options);
        return ((int)response.StatusCode, body!.Error.Code);
    }

    [Fact]
    public async Task NoTokenIsRefusedWith401BeforeTheUpgrade()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var user = await meeting.ParticipantAsync();
        var uri = meeting.SocketUri(user.Id, null, "peer-a");

        Assert.Equal(401, await SignalingClient.RefusedStatusAsync(uri));
        Assert.Equal((401, ErrorCodes.TokenMissing), await PlainGetAsync(server, uri));
    }

    [Fact]
    public async Task AForgedTokenIsRefusedWith401()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var user = await meeting.ParticipantAsync();
        var uri = meeting.SocketUri(user.Id, user.Token[..^4] + "AAAA", "peer-a");

        Assert.Equal(401, await SignalingClient.RefusedStatusAsync(uri));
        Assert.Equal((401, ErrorCodes.TokenInvalid), await PlainGetAsync(server, uri));
    }

    [Fact]
    public async Task ATokenForAnotherUserIsRefusedWith403()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var alice = await meeting.ParticipantAsync();
        var bob = await meeting.ParticipantAsync();
        var uri = meeting.SocketUri(bob.Id, alice.Token, "peer-a");

        Assert.Equal(403, await SignalingClient.RefusedStatusAsync(uri));
        Assert.Equal((403, ErrorCodes.TokenInvalid), await PlainGetAsync(server, uri));
    }

    [Fact]
    public async Task AUserWhoHasNotJoinedTheMeetingIsRefusedWith403()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        await meeting.ParticipantAsync();
        var outsider = await meeting.OutsiderAsync();
        var uri = meeting.SocketUri(outsider.Id, outsider.Token, "peer-" + outsider.Id);

        Assert.Equal(403, await SignalingClient.RefusedStatusAsync(uri));
        Assert.Equal((403, ErrorCodes.NotInMeeting), await PlainGetAsync(server, uri));
    }

    [Fact]
    public async Task AnUnknownMeetingIsRefusedWith404()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var user = await meeting.OutsiderAsync();
        var uri = meeting.SocketUri(user.Id, user.Token, "peer-" + user.Id, meetingId: meeting.Id + 999);

        Assert.Equal(404, await SignalingClient.RefusedStatusAsync(uri));
        Assert.Equal((404, ErrorCodes.MeetingNotFound), await PlainGetAsync(server, uri));
    }

    [Fact]
    public async Task AnEndedMeetingIsRefusedWith403()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var user = await meeting.ParticipantAsync();
        await meeting.EndAsync();

        Assert.Equal((403, ErrorCodes.MeetingEnded), await PlainGetAsync(server, meeting.SocketUri(user)));
    }

    [Fact]
    public async Task AMissingPeerIdIsRefusedWith400()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var user = await meeting.ParticipantAsync();
        var uri = meeting.SocketUri(user.Id, user.Token, "");

        Assert.Equal(400, await SignalingClient.RefusedStatusAsync(uri));
    }

    [Fact]
    public async Task AForeignOriginIsRefusedAndAnAllowedOneAccepted()
    {
        await using var server = await SignalingMeeting.StartServerAsync(new() { ["Http:AllowedOrigins:0"] = "https://meet.example.test" });
        var meeting = await SignalingMeeting.CreateAsync(server);
        var user = await meeting.ParticipantAsync();
        var uri = meeting.SocketUri(user);

        Assert.Equal(403, await SignalingClient.RefusedStatusAsync(uri, "https://evil.example.test"));
        await using var client = await SignalingClient.ConnectAsync(uri, "https://meet.example.test");
        await client.SendAsync(new { type = 11 });
        await client.WaitForAsync(12);
    }

    [Fact]
    public async Task APlainHttpRequestWithAValidTokenGets426()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var user = await meeting.ParticipantAsync();

        var (status, _) = await PlainGetAsync(server, meeting.SocketUri(user));

        Assert.Equal(426, status);
    }

    [Fact]
    public async Task PingIsAnsweredWithPongCarryingTheConnectionsSession()
    {
        await using var server = await SignalingMeeting.StartServerAsync();
        var meeting = await SignalingMeeting.CreateAsync(server);
        var user = await meeting.ParticipantAsync();
        var (client, roomInfo) = await meeting.JoinAsync(user);
        await using var _ = client;

        await client.SendAsync(new { id = "p1", type = 11, payload = new { } });
        var pong = await client.WaitForAsync(12);

        Assert.Equal(0, pong.GetProperty("from_user_id").GetInt64());
        Assert.Equal(meeting.Id, pong.GetProperty("meeting_id").GetInt64());
        Assert.Equal(roomInfo.GetProperty("session_id").GetString(), pong.GetProperty("session_id").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$", pong.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task ASilentSocketIsClosedAfterTheIdleTimeoutWithCodeAndReason()
    {
        await using var server = await SignalingMeeting.StartServerAsync(new() { ["Signaling:IdleTimeoutSeconds"] = "1", ["Signaling:SweepIntervalMilliseconds"] = "100" });
        var meeting = await SignalingMeeting.CreateAsync(server);
        var user = await meeting.ParticipantAsync();
        await using var client = await SignalingClient.ConnectAsync(meeting.SocketUri(user));

        var (code, reason) = await client.WaitForCloseAsync();

        Assert.Equal(4000, code);
        Assert.Contains("idle", reason, StringComparison.Ordinal);
    }
}
