using System.Net.Http.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Tests.Signaling;

public sealed class SignalingConnectionTests
{
    private static async Task<(int Status, int Code)> PlainGetAsync(SignalingServer server, Uri uri, string? origin = null)
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
        await using var server = await SignalingServer.StartAsync();
        var user = await server.ParticipantAsync(100);
        var uri = server.SocketUri(100, user.Id, null, "peer-a");

        Assert.Equal(401, await SignalingClient.RefusedStatusAsync(uri));
        Assert.Equal((401, ErrorCodes.TokenMissing), await PlainGetAsync(server, uri));
    }

    [Fact]
    public async Task AForgedTokenIsRefusedWith401()
    {
        await using var server = await SignalingServer.StartAsync();
        var user = await server.ParticipantAsync(100);
        var uri = server.SocketUri(100, user.Id, user.Token[..^4] + "AAAA", "peer-a");

        Assert.Equal(401, await SignalingClient.RefusedStatusAsync(uri));
        Assert.Equal((401, ErrorCodes.TokenInvalid), await PlainGetAsync(server, uri));
    }

    [Fact]
    public async Task ATokenForAnotherUserIsRefusedWith403()
    {
        await using var server = await SignalingServer.StartAsync();
        var alice = await server.ParticipantAsync(100);
        var bob = await server.ParticipantAsync(100);
        var uri = server.SocketUri(100, bob.Id, alice.Token, "peer-a");

        Assert.Equal(403, await SignalingClient.RefusedStatusAsync(uri));
        Assert.Equal((403, ErrorCodes.TokenInvalid), await PlainGetAsync(server, uri));
    }

    [Fact]
    public async Task AUserWhoHasNotJoinedTheMeetingIsRefusedWith403()
    {
        await using var server = await SignalingServer.StartAsync();
        await server.ParticipantAsync(100);
        var outsider = await server.RegisterAsync();
        var uri = server.SocketUri(100, outsider);

        Assert.Equal(403, await SignalingClient.RefusedStatusAsync(uri));
        Assert.Equal((403, ErrorCodes.NotInMeeting), await PlainGetAsync(server, uri));
    }

    [Fact]
    public async Task AnUnknownMeetingIsRefusedWith404()
    {
        await using var server = await SignalingServer.StartAsync();
        var user = await server.RegisterAsync();
        var uri = server.SocketUri(999, user);

        Assert.Equal(404, await SignalingClient.RefusedStatusAsync(uri));
        Assert.Equal((404, ErrorCodes.MeetingNotFound), await PlainGetAsync(server, uri));
    }

    [Fact]
    public async Task AnEndedMeetingIsRefusedWith403()
    {
        await using var server = await SignalingServer.StartAsync();
        var user = await server.ParticipantAsync(100);
        await server.Directory.EndAsync(100, user.Id);

        Assert.Equal((403, ErrorCodes.MeetingEnded), await PlainGetAsync(server, server.SocketUri(100, user)));
    }

    [Fact]
    public async Task AMissingPeerIdIsRefusedWith400()
    {
        await using var server = await SignalingServer.StartAsync();
        var user = await server.ParticipantAsync(100);
        var uri = server.SocketUri(100, user.Id, user.Token, "");

        Assert.Equal(400, await SignalingClient.RefusedStatusAsync(uri));
    }

    [Fact]
    public async Task AForeignOriginIsRefusedAndAnAllowedOneAccepted()
    {
        await using var server = await SignalingServer.StartAsync(new() { ["Http:AllowedOrigins:0"] = "https://meet.example.test" });
        var user = await server.ParticipantAsync(100);
        var uri = server.SocketUri(100, user);

        Assert.Equal(403, await SignalingClient.RefusedStatusAsync(uri, "https://evil.example.test"));
        await using var client = await SignalingClient.ConnectAsync(uri, "https://meet.example.test");
        await client.SendAsync(new { type = 11 });
        await client.WaitForAsync(12);
    }

    [Fact]
    public async Task APlainHttpRequestWithAValidTokenGets426()
    {
        await using var server = await SignalingServer.StartAsync();
        var user = await server.ParticipantAsync(100);

        var (status, _) = await PlainGetAsync(server, server.SocketUri(100, user));

        Assert.Equal(426, status);
    }

    [Fact]
    public async Task PingIsAnsweredWithPongCarryingTheConnectionsSession()
    {
        await using var server = await SignalingServer.StartAsync();
        var user = await server.ParticipantAsync(100);
        var (client, roomInfo) = await server.JoinAsync(100, user);
        await using var _ = client;

        await client.SendAsync(new { id = "p1", type = 11, payload = new { } });
        var pong = await client.WaitForAsync(12);

        Assert.Equal(0, pong.GetProperty("from_user_id").GetInt64());
        Assert.Equal(100, pong.GetProperty("meeting_id").GetInt64());
        Assert.Equal(roomInfo.GetProperty("session_id").GetString(), pong.GetProperty("session_id").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$", pong.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task ASilentSocketIsClosedAfterTheIdleTimeoutWithCodeAndReason()
    {
        await using var server = await SignalingServer.StartAsync(new() { ["Signaling:IdleTimeoutSeconds"] = "1", ["Signaling:SweepIntervalMilliseconds"] = "100" });
        var user = await server.ParticipantAsync(100);
        await using var client = await SignalingClient.ConnectAsync(server.SocketUri(100, user));

        var (code, reason) = await client.WaitForCloseAsync();

        Assert.Equal(4000, code);
        Assert.Contains("idle", reason, StringComparison.Ordinal);
    }
}
