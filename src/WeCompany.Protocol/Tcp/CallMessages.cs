using System.Text.Json;
using System.Text.Json.Serialization;

namespace WeCompany.Protocol.Tcp;

/// <summary>CALL_REQUEST data from the caller.</summary>
public sealed record CallRequestBody(bool Video);

/// <summary>
/// Call signaling data from the server (and CALL_ACCEPT / CALL_REJECT / CALL_END data from clients, which need only
/// <c>call_id</c> and, for a rejection, <c>reason</c>). Fields that do not apply are null.
/// </summary>
public sealed record CallBody(
    string CallId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? State = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Video = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>ERROR data: a business code (docs/protocol/tcp.md) and a message for people.</summary>
public sealed record TcpErrorBody(int Code, string Message);

/// <summary>REGISTER data from the server: who the connection now speaks for.</summary>
public sealed record RegisterResult(long UserId, string Username);

/// <summary>The states of a call as named on the wire.</summary>
public static class CallStates
{
    /// <summary>To the caller: the callee has been told and has not answered.</summary>
    public const string Ringing = "ringing";

    /// <summary>To the callee: someone is calling (the caller is the frame's userId).</summary>
    public const string Incoming = "incoming";

    /// <summary>The callee accepted; media flows.</summary>
    public const string Accepted = "accepted";

    /// <summary>The callee refused (or the server did for them: busy, offline, timeout).</summary>
    public const string Rejected = "rejected";

    /// <summary>A party hung up or dropped.</summary>
    public const string Ended = "ended";
}

/// <summary>Reasons carried by CALL_REJECT and CALL_END.</summary>
public static class CallReasons
{
    /// <summary>The callee is in another call.</summary>
    public const string Busy = "busy";

    /// <summary>The callee is not connected.</summary>
    public const string Offline = "offline";

    /// <summary>The callee did not answer in time.</summary>
    public const string Timeout = "timeout";

    /// <summary>A party's connection closed.</summary>
    public const string Disconnected = "disconnected";

    /// <summary>A party hung up.</summary>
    public const string HungUp = "hung_up";

    /// <summary>The callee declined (the default when the client gives no reason).</summary>
    public const string Declined = "declined";
}

/// <summary>JSON for frame data, with the wire's conventions (<see cref="WireJson"/>: snake_case).</summary>
public static class TcpJson
{
    /// <summary>Serializes a body to UTF-8 JSON.</summary>
    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, WireJson.Options);

    /// <summary>Parses a body; null when the bytes are not that JSON shape.</summary>
    public static T? TryDeserialize<T>(ReadOnlySpan<byte> utf8)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(utf8, WireJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
