using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using System.Text.Json.Serialization;

namespace WeCompany.Protocol;

/// <summary>JSON conventions of the REST and signaling wire: snake_case names, UTC ISO-8601 times ending in Z.</summary>
public static class WireJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        // Chinese and other scripts stay readable; HTML-sensitive characters (<, >, &, quotes) are still escaped.
        options.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All);
        options.DictionaryKeyPolicy = null;
        options.Converters.Add(new UtcDateTimeOffsetConverter());
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // Unknown fields are ignored (the default); numbers must be numbers.
        options.NumberHandling = JsonNumberHandling.Strict;
        return options;
    }

    /// <summary>Writes <c>2025-10-01T10:00:00Z</c> (milliseconds only when present), reads any ISO-8601 form.</summary>
    private sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            {
                throw new JsonException("Not an ISO-8601 date and time.");
            }
            return value;
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        {
            var utc = value.UtcDateTime;
            var format = utc.Millisecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            // Formatted on the stack: lists write a time per row, and a string each was garbage per response.
            Span<char> text = stackalloc char[32];
            if (!utc.TryFormat(text, out var written, format, CultureInfo.InvariantCulture))
            {
                throw new JsonException("The time does not fit the wire format.");
            }
            writer.WriteStringValue(text[..written]);
        }
    }
}
