using System.Net.Http.Json;
using System.Text.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;

namespace WeCompany.Client.Rest;

/// <summary>The smallest REST client the command line needs: sign in and get a token pair.</summary>
public sealed class AuthClient(HttpClient http)
{
    /// <summary>POST /api/v1/auth/login; throws <see cref="HttpRequestException"/> with the server's message when refused.</summary>
    public async Task<AuthResult> LoginAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/login", new LoginRequest(username, password), WireJson.Options, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(WireJson.Options, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var details = body.TryGetProperty("error", out var error) && error.TryGetProperty("details", out var d) ? d.GetString() : null;
            throw new HttpRequestException($"{(int)response.StatusCode} {details ?? response.ReasonPhrase}", null, response.StatusCode);
        }
        return body.GetProperty("data").Deserialize<AuthResult>(WireJson.Options)
            ?? throw new HttpRequestException("The server answered without data.");
    }
}
