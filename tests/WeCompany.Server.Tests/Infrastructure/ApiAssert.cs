using System.Net;
using System.Text.Json;

namespace WeCompany.Server.Tests.Infrastructure;

/// <summary>Assertions on the REST envelopes that read like what a client sees.</summary>
public static class ApiAssert
{
    /// <summary>Asserts the error envelope with this HTTP status and business code; answers the parsed body.</summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, int businessCode)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} but got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, body.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        var error = body.GetProperty("error");
        Assert.Equal(businessCode, error.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.True(body.TryGetProperty("timestamp", out var ts) && ts.GetString()!.EndsWith('Z'));
        return body;
    }

    /// <summary>Asserts the success envelope with this status; answers <c>data</c>.</summary>
    public static async Task<JsonElement> SuccessAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} but got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, body.GetProperty("code").GetInt32());
        Assert.Equal("success", body.GetProperty("message").GetString());
        Assert.EndsWith("Z", body.GetProperty("timestamp").GetString());
        return body.GetProperty("data");
    }
}
