using System.Text.Json;
using System.Text.Json.Serialization;
using WeCompany.Protocol;

namespace WeCompany.Server.Webhooks;

/// <summary>
/// One event as a receiver gets it: the request body is exactly this object, as JSON (snake_case).
/// <see cref="Id"/> is a UUIDv7, unique per event and the same in every retry (the Webhook-Id and Idempotency-Key
/// headers); <see cref="Data"/> depends on <see cref="Type"/>.
/// </summary>
public sealed record WebhookEvent(
    string Id,
    string Type,
    DateTimeOffset CreatedAt,
    long? MeetingId,
    long? UserId,
    [property: JsonPropertyOrder(10)] object Data)
{
    /// <summary>A new event with a fresh id, stamped <paramref name="now"/>.</summary>
    public static WebhookEvent Create(string type, long? meetingId, long? userId, object data, DateTimeOffset now) =>
        new(Guid.CreateVersion7(now).ToString(), type, now, meetingId, userId, data);

    /// <summary>The body sent to every endpoint, byte for byte (the signature covers these bytes).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, WireJson.Options);

    /// <summary>Events of one meeting are delivered in order; those of no meeting share order key 0.</summary>
    public long OrderKey => MeetingId ?? 0;
}
