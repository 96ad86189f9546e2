using System.Text.Json;
using System.Text.Json.Serialization;

namespace WeCompany.Protocol.Signaling;

/// <summary>
/// A received signaling message: the specification's envelope ("消息格式") with the payload still as JSON.
/// The payload element lives as long as the <see cref="JsonDocument"/> it came from (see
/// <see cref="SignalingParseResult"/>). Only <c>id</c>, <c>type</c>, <c>to_user_id</c> and <c>payload</c>
/// are used by the server: it sets <c>from_user_id</c>, <c>session_id</c>, <c>peer_id</c>,
/// <c>meeting_id</c> and <c>timestamp</c> from the connection itself.
/// </summary>
public readonly record struct InboundSignalingMessage(
    string? Id,
    SignalingMessageType Type,
    long? ToUserId,
    JsonElement Payload);

/// <summary>
/// An outgoing signaling message as the specification shows it:
/// <c>{id, type, from_user_id, to_user_id, meeting_id, session_id, peer_id, payload, timestamp}</c>.
/// <c>to_user_id</c> and <c>peer_id</c> are left out when absent, as in the specification's chat and ping examples.
/// </summary>
/// <typeparam name="TPayload">The payload record (or <see cref="JsonElement"/> for relayed SDP and candidates).</typeparam>
public sealed record SignalingEnvelope<TPayload>(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] SignalingMessageType Type,
    [property: JsonPropertyName("from_user_id")] long FromUserId,
    [property: JsonPropertyName("to_user_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ToUserId,
    [property: JsonPropertyName("meeting_id")] long MeetingId,
    [property: JsonPropertyName("session_id")] string SessionId,
    [property: JsonPropertyName("peer_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PeerId,
    [property: JsonPropertyName("payload")] TPayload Payload,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp);

/// <summary>Serialization of outgoing envelopes: the numeric type stays a number whatever the global enum policy.</summary>
public static class SignalingJson
{
    /// <summary>The wire options: <see cref="WireJson.Options"/> with message types written as numbers.</summary>
    public static readonly JsonSerializerOptions Options = Create();

    /// <summary>Serializes once; the bytes are shared by every recipient of a broadcast.</summary>
    public static byte[] Serialize<TPayload>(SignalingEnvelope<TPayload> envelope) =>
        JsonSerializer.SerializeToUtf8Bytes(envelope, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(WireJson.Options);
        // The specification's "type" is a number (1..14), not the enum's name.
        options.Converters.Insert(0, new NumericTypeConverter());
        return options;
    }

    private sealed class NumericTypeConverter : JsonConverter<SignalingMessageType>
    {
        public override SignalingMessageType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            (SignalingMessageType)reader.GetInt32();

        public override void Write(Utf8JsonWriter writer, SignalingMessageType value, JsonSerializerOptions options) =>
            writer.WriteNumberValue((int)value);
    }
}
