using System.Text;
using System.Text.Json;
using WeCompany.Protocol.Rest;
using WeCompany.Protocol.Signaling;

namespace WeCompany.Protocol.Tests.Signaling;

public sealed class SignalingParserTests
{
    private static ParsedSignalingMessage Parse(string text, int max = 65536) => SignalingParser.Parse(Encoding.UTF8.GetBytes(text), max);

    [Fact]
    public void TheSpecificationsOfferExampleParses()
    {
        using var parsed = Parse("""
            {"id": "msg_003", "type": 1, "from_user_id": 1, "to_user_id": 2, "meeting_id": 100, "session_id": "session_abc123",
             "peer_id": "peer_xyz789", "payload": {"sdp": "v=0\r\no=- 123456789 2 IN IP4 127.0.0.1\r\n...", "type": "offer"},
             "timestamp": "2025-10-01T10:00:02Z"}
            """);

        Assert.True(parsed.IsValid);
        Assert.Equal(SignalingMessageType.Offer, parsed.Message.Type);
        Assert.Equal(2, parsed.Message.ToUserId);
        Assert.Equal("msg_003", parsed.Message.Id);
        Assert.StartsWith("v=0", parsed.Message.Payload.GetProperty("sdp").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nope", ErrorCodes.SignalingMalformed)]
    [InlineData("[]", ErrorCodes.SignalingMalformed)]
    [InlineData("{}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"type\": \"1\"}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"type\": 1.5}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"type\": 0}", ErrorCodes.SignalingUnknownType)]
    [InlineData("{\"type\": 99}", ErrorCodes.SignalingUnknownType)]
    [InlineData("{\"type\": 12}", ErrorCodes.SignalingUnknownType)]
    [InlineData("{\"type\": 3, \"payload\": {\"sdpMid\": \"0\"}}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"type\": 9, \"payload\": {\"action\": \"dance\"}}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"type\": 10, \"payload\": {\"action\": \"mute\", \"media_type\": \"smell\"}}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"type\": 10, \"payload\": {\"action\": \"mute\", \"user_id\": -1}}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"type\": 11, \"payload\": 5}", ErrorCodes.SignalingMalformed)]
    [InlineData("{\"type\": 1, \"to_user_id\": -2, \"payload\": {\"sdp\": \"v=0\"}}", ErrorCodes.SignalingMalformed)]
    public void FaultsAreReturnedAsValues(string text, int code)
    {
        using var parsed = Parse(text);

        Assert.False(parsed.IsValid);
        Assert.Equal(code, parsed.ErrorCode);
        Assert.False(string.IsNullOrEmpty(parsed.ErrorMessage));
    }

    [Fact]
    public void AMessageOverTheLimitIsTooLargeBeforeAnyParsing()
    {
        using var parsed = Parse("{\"type\": 11, \"payload\": {}}", max: 10);

        Assert.Equal(ErrorCodes.SignalingTooLarge, parsed.ErrorCode);
    }

    [Fact]
    public void TheRefIdIsKeptForAFaultyMessage()
    {
        using var parsed = Parse("{\"id\": \"abc\", \"type\": 99}");

        Assert.Equal("abc", parsed.RefId);
    }

    [Fact]
    public void OutgoingEnvelopesWriteTheTypeAsANumberAndLeaveOutAbsentFields()
    {
        var bytes = SignalingJson.Serialize(new SignalingEnvelope<EmptyPayload>("msg_1", SignalingMessageType.Pong, 0, null, 100, "session_a", null,
            EmptyPayload.Instance, new DateTimeOffset(2025, 10, 1, 10, 0, 7, TimeSpan.Zero)));
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;

        Assert.Equal(12, root.GetProperty("type").GetInt32());
        Assert.False(root.TryGetProperty("to_user_id", out _));
        Assert.False(root.TryGetProperty("peer_id", out _));
        Assert.Equal("2025-10-01T10:00:07Z", root.GetProperty("timestamp").GetString());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("payload").ValueKind);
    }
}
