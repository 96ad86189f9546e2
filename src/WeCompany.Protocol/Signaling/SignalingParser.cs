using System.Text.Json;
using WeCompany.Protocol.Rest;

namespace WeCompany.Protocol.Signaling;

/// <summary>
/// The outcome of parsing one client message: the message, or an error code (ErrorCodes 5000x) with a
/// message for the error reply. Owns the parsed document: dispose it once the payload is no longer read.
/// </summary>
public readonly struct ParsedSignalingMessage : IDisposable
{
    private readonly JsonDocument? _document;

    internal ParsedSignalingMessage(JsonDocument document, InboundSignalingMessage message)
    {
        _document = document;
        Message = message;
        ErrorCode = 0;
        ErrorMessage = null;
        RefId = message.Id;
    }

    internal ParsedSignalingMessage(JsonDocument? document, int errorCode, string errorMessage, string? refId)
    {
        _document = document;
        Message = default;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        RefId = refId;
    }

    /// <summary>The message when <see cref="IsValid"/>.</summary>
    public InboundSignalingMessage Message { get; }

    /// <summary>0 when valid; otherwise the business code for the error reply.</summary>
    public int ErrorCode { get; }

    /// <summary>Why the message was refused.</summary>
    public string? ErrorMessage { get; }

    /// <summary>The client's message id when one could be read (the error's <c>ref_id</c>).</summary>
    public string? RefId { get; }

    /// <summary>True when the message is well formed.</summary>
    public bool IsValid => ErrorCode == 0;

    /// <inheritdoc />
    public void Dispose() => _document?.Dispose();
}

/// <summary>
/// Reads client → server signaling messages. Faults are returned as values, never thrown: the hub answers
/// them with an error message and keeps the connection open.
/// </summary>
public static class SignalingParser
{
    /// <summary>Longest SDP accepted: real offers with many m-lines stay well below 32 KiB.</summary>
    public const int MaxSdpChars = 32 * 1024;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    /// <summary>True for the types a client may send (the rest are server → client only).</summary>
    public static bool IsClientType(SignalingMessageType type) => type is SignalingMessageType.Offer or SignalingMessageType.Answer
        or SignalingMessageType.IceCandidate or SignalingMessageType.JoinRoom or SignalingMessageType.LeaveRoom
        or SignalingMessageType.Chat or SignalingMessageType.ScreenShare or SignalingMessageType.MediaControl
        or SignalingMessageType.Ping;

    /// <summary>Parses one complete text message of at most <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public static ParsedSignalingMessage Parse(ReadOnlyMemory<byte> utf8, int maxBytes)
    {
        if (utf8.Length > maxBytes)
        {
            return Fail(null, ErrorCodes.SignalingTooLarge, $"The message is over the {maxBytes}-byte limit.", null);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, DocumentOptions);
        }
        catch (JsonException)
        {
            return Fail(null, ErrorCodes.SignalingMalformed, "The message is not valid JSON.", null);
        }
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Fail(document, ErrorCodes.SignalingMalformed, "The message must be a JSON object.", null);
        }
        string? id = null;
        if (root.TryGetProperty("id"u8, out var idElement) && idElement.ValueKind == JsonValueKind.String)
        {
            id = idElement.GetString();
        }
        if (!root.TryGetProperty("type"u8, out var typeElement))
        {
            return Fail(document, ErrorCodes.SignalingMalformed, "The message has no type.", id);
        }
        if (typeElement.ValueKind != JsonValueKind.Number || !typeElement.TryGetInt32(out var typeNumber))
        {
            return Fail(document, ErrorCodes.SignalingMalformed, "The type must be a number from 1 to 14.", id);
        }
        var type = (SignalingMessageType)typeNumber;
        if (typeNumber is < 1 or > 14)
        {
            return Fail(document, ErrorCodes.SignalingUnknownType, $"Unknown message type {typeNumber}.", id);
        }
        if (!IsClientType(type))
        {
            return Fail(document, ErrorCodes.SignalingUnknownType, $"Type {typeNumber} is sent by the server only.", id);
        }
        long? toUserId = null;
        if (root.TryGetProperty("to_user_id"u8, out var toElement) && toElement.ValueKind != JsonValueKind.Null)
        {
            if (toElement.ValueKind != JsonValueKind.Number || !toElement.TryGetInt64(out var to) || to < 0)
            {
                return Fail(document, ErrorCodes.SignalingMalformed, "to_user_id must be a non-negative integer.", id);
            }
            toUserId = to;
        }
        var payload = root.TryGetProperty("payload"u8, out var p) ? p : default;
        var shapeError = CheckPayload(type, payload);
        if (shapeError is not null)
        {
            return Fail(document, ErrorCodes.SignalingMalformed, shapeError, id);
        }
        return new ParsedSignalingMessage(document, new InboundSignalingMessage(id, type, toUserId, payload));
    }

    private static ParsedSignalingMessage Fail(JsonDocument? document, int code, string message, string? refId) =>
        new(document, code, message, refId);

    // The shapes of the specification's examples ("消息示例"); unknown extra fields are ignored.
    private static string? CheckPayload(SignalingMessageType type, JsonElement payload)
    {
        var kind = payload.ValueKind;
        switch (type)
        {
            case SignalingMessageType.JoinRoom or SignalingMessageType.LeaveRoom or SignalingMessageType.Ping:
                return kind is JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object ? null : "The payload must be an object.";
            case SignalingMessageType.Offer or SignalingMessageType.Answer:
                if (kind != JsonValueKind.Object)
                {
                    return "The payload must be an object with sdp.";
                }
                return StringField(payload, "sdp"u8, "sdp", MaxSdpChars, required: true)
                    ?? StringField(payload, "type"u8, "type", 16, required: false);
            case SignalingMessageType.IceCandidate:
                if (kind != JsonValueKind.Object)
                {
                    return "The payload must be an object with candidate.";
                }
                if (payload.TryGetProperty("sdpMLineIndex"u8, out var index) && index.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null))
                {
                    return "sdpMLineIndex must be a number.";
                }
                return StringField(payload, "candidate"u8, "candidate", 2048, required: true)
                    ?? StringField(payload, "sdpMid"u8, "sdpMid", 64, required: false);
            case SignalingMessageType.Chat:
                return kind != JsonValueKind.Object ? "The payload must be an object with content." : StringField(payload, "content"u8, "content", int.MaxValue, required: true);
            case SignalingMessageType.ScreenShare:
                return kind != JsonValueKind.Object
                    ? "The payload must be an object with action."
                    : OneOf(payload, "action"u8, "action", ["start", "stop", "grant", "revoke"]) ?? UserIdField(payload);
            case SignalingMessageType.MediaControl:
                return kind != JsonValueKind.Object
                    ? "The payload must be an object with action and media_type."
                    : OneOf(payload, "action"u8, "action", ["mute", "unmute", "video_on", "video_off"])
                      ?? OptionalOneOf(payload, "media_type"u8, "media_type", ["audio", "video"]) ?? UserIdField(payload);
            default:
                return null;
        }
    }

    private static string? StringField(JsonElement payload, ReadOnlySpan<byte> utf8Name, string name, int maxChars, bool required)
    {
        if (!payload.TryGetProperty(utf8Name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? $"payload.{name} is required." : null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            return $"payload.{name} must be a string.";
        }
        return maxChars < int.MaxValue && value.GetString()!.Length > maxChars ? $"payload.{name} is too long." : null;
    }

    private static string? OneOf(JsonElement payload, ReadOnlySpan<byte> utf8Name, string name, string[] allowed)
    {
        if (!payload.TryGetProperty(utf8Name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return $"payload.{name} must be one of {string.Join(", ", allowed)}.";
        }
        return Array.IndexOf(allowed, value.GetString()) >= 0 ? null : $"payload.{name} must be one of {string.Join(", ", allowed)}.";
    }

    private static string? OptionalOneOf(JsonElement payload, ReadOnlySpan<byte> utf8Name, string name, string[] allowed) =>
        payload.TryGetProperty(utf8Name, out var value) && value.ValueKind != JsonValueKind.Null ? OneOf(payload, utf8Name, name, allowed) : null;

    private static string? UserIdField(JsonElement payload)
    {
        if (!payload.TryGetProperty("user_id"u8, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var id) && id >= 0 ? null : "payload.user_id must be a non-negative integer.";
    }
}
