using System.Net.WebSockets;
using System.Text.Json;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Tests.Signaling;

/// <summary>Each bad input gets an error (type 13) and the connection keeps working: a ping after it is answered.</summary>
public sealed class SignalingBadInputTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private SignalingClient _client = null!;
    private Seat _user = null!;

    public async Task InitializeAsync()
    {
        _server = await SignalingMeeting.StartServerAsync(new() { ["Signaling:MessagesPerSecond"] = "20", ["Signaling:MessageBurst"] = "40" });
        var meeting = await SignalingMeeting.CreateAsync(_server);
        _user = await meeting.ParticipantAsync();
        (_client, _) = await meeting.JoinAsync(_user);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<JsonElement> ExpectErrorAsync(int code)
    {
        var error = await _client.WaitForAsync(13);
        Assert.Equal(code, error.GetProperty("payload").GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("payload").GetProperty("message").GetString()));
        return error;
    }

    private async Task StillWorksAsync()
    {
        await _client.SendAsync(new { id = "after", type = 11, payload = new { } });
        await _client.WaitForAsync(12);
        Assert.Equal(WebSocketState.Open, _client.Socket.State);
    }

    [Theory]
    [InlineData("this is not json", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"type\": 8, \"payload\": {\"content\": \"unterminated", ErrorCodes.SignalingMalformed)]
    [InlineData("[1, 2, 3]", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"id\": \"m1\", \"payload\": {}}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"id\": \"m1\", \"type\": 0, \"payload\": {}}", ErrorCodes.SignalingUnknownType)]
    [InlineData("{\"id\": \"m1\", \"type\": 99, \"payload\": {}}", ErrorCodes.SignalingUnknownType)]
    [InlineData("{\"id\": \"m1\", \"type\": \"1\", \"payload\": {}}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"id\": \"m1\", \"type\": 14, \"payload\": {}}", ErrorCodes.SignalingUnknownType)]
    [InlineData("{\"id\": \"m1\", \"type\": 8, \"payload\": \"hello\"}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"id\": \"m1\", \"type\": 8, \"payload\": {\"content\": 42}}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"id\": \"m1\", \"type\": 1, \"to_user_id\": 2, \"payload\": {\"type\": \"offer\"}}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"id\": \"m1\", \"type\": 10, \"payload\": {\"action\": \"explode\"}}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"id\": \"m1\", \"type\": 1, \"to_user_id\": \"two\", \"payload\": {\"sdp\": \"v=0\"}}", ErrorCodes.SignalingMalformed)]
    public async Task ABadMessageGetsAnErrorAndTheConnectionStaysUsable(string text, int code)
    {
        await _client.SendTextAsync(text);

        var error = await ExpectErrorAsync(code);

        if (text.Contains("\"m1\"", StringComparison.Ordinal))
        {
            Assert.Equal("m1", error.GetProperty("payload").GetProperty("ref_id").GetString());
        }
        await StillWorksAsync();
    }

    [Fact]
    public async Task AOneMebibyteMessageIsRefusedAsTooLargeAndTheNextMessageWorks()
    {
        var huge = "{\"type\": 8, \"payload\": {\"content\": \"" + new string('x', 1 << 20) + "\"}}";

        await _client.SendTextAsync(huge);

        await ExpectErrorAsync(ErrorCodes.SignalingTooLarge);
        await StillWorksAsync();
    }

    [Fact]
    public async Task TenThousandMessagesInASecondAreRateLimitedAndTheConnectionRecovers()
    {
        var ping = System.Text.Encoding.UTF8.GetBytes("{\"type\": 11, \"payload\": {}}");
        for (var i = 0; i < 10_000; i++)
        {
            await _client.Socket.SendAsync(ping, WebSocketMessageType.Text, true, CancellationToken.None);
        }

        await ExpectErrorAsync(ErrorCodes.SignalingRateLimited);
        // Once the bucket refills, a chat goes through again: retried every 250 ms until one is delivered.
        using var stop = new CancellationTokenSource();
        var sender = Task.Run(async () =>
        {
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
            while (await tick.WaitForNextTickAsync(stop.Token))
            {
                await _client.SendAsync(new { id = "recovered", type = 8, payload = new { content = "back again" } });
            }
        });
        var chat = await _client.WaitForAsync(8);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.WaitAsync(SignalingClient.Timeout));

        Assert.Equal("back again", chat.GetProperty("payload").GetProperty("content").GetString());
    }

    [Fact]
    public async Task AForgedFromUserIdIsReplacedByTheAuthenticatedOne()
    {
        await _client.SendAsync(new { id = "forged", type = 8, from_user_id = 999_999, session_id = "session_fake", peer_id = "peer_fake", payload = new { content = "who am I", user_id = 999_999 } });

        var chat = await _client.WaitForAsync(8);

        Assert.Equal(_user.Id, chat.GetProperty("from_user_id").GetInt64());
        Assert.Equal(_user.Id, chat.GetProperty("payload").GetProperty("user_id").GetInt64());
        Assert.NotEqual("forged", chat.GetProperty("id").GetString());
    }

    [Fact]
    public async Task JoinRoomTwiceIsAnErrorAndTheRoomStillWorks()
    {
        await _client.SendAsync(new { id = "again", type = 4, payload = new { } });

        var error = await ExpectErrorAsync(ErrorCodes.SignalingAlreadyJoined);

        Assert.Equal("again", error.GetProperty("payload").GetProperty("ref_id").GetString());
        await StillWorksAsync();
    }

    [Fact]
    public async Task ChatLongerThan4000CharactersIsRefused()
    {
        await _client.SendAsync(new { id = "long", type = 8, payload = new { content = new string('字', 4001) } });

        await ExpectErrorAsync(ErrorCodes.ChatTooLong);
        await StillWorksAsync();
    }

    [Fact]
    public async Task AnOfferWithoutATargetGoesToTheSfuWhichRefusesBrokenSdp()
    {
        await _client.SendAsync(new { id = "o1", type = 1, payload = new { sdp = "v=0\r\n", type = "offer" } });

        var error = await ExpectErrorAsync(ErrorCodes.SignalingMalformed);

        Assert.StartsWith("Invalid SDP", error.GetProperty("payload").GetProperty("message").GetString(), StringComparison.Ordinal);
        await StillWorksAsync();
    }

    [Fact]
    public async Task ABinaryFrameIsRefusedAndTheNextMessageWorks()
    {
        await _client.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);

        await ExpectErrorAsync(ErrorCodes.SignalingMalformed);
        await StillWorksAsync();
    }
}
