using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;

namespace WeCompany.Bench.Signaling;

/// <summary>A user who joined a meeting through REST: the ids and the session token the socket carries.</summary>
internal sealed record BenchSeat(long MeetingId, long UserId, string SessionToken);

/// <summary>
/// Sets the bench's rooms up through the REST API as clients do: users register, a host creates each meeting,
/// participants join it and open their sockets with the session token join answered.
/// </summary>
internal sealed class BenchMeetings(HttpClient http)
{
    // Registration hashes a password: a few run at once so set-up uses both cores without queueing thousands.
    private const int Parallelism = 4;
    private readonly List<AuthResult> _registered = [];
    private long _users;
    private int _next;

    /// <summary>
    /// From now on, users registered earlier (with their access tokens, valid for a day) join again before new ones register: a series of
    /// runs against one server then pays for each password hash once, which matters when the server's CPU is capped.
    /// </summary>
    public void ReuseUsers() => Interlocked.Exchange(ref _next, 0);

    private async Task<AuthResult> RegisterAsync()
    {
        var index = Interlocked.Increment(ref _next) - 1;
        lock (_registered)
        {
            if (index < _registered.Count)
            {
                return _registered[index];
            }
        }
        var user = await RegisterNewAsync();
        lock (_registered)
        {
            _registered.Add(user);
        }
        return user;
    }

    private async Task<AuthResult> RegisterNewAsync()
    {
        var name = "bench" + Interlocked.Increment(ref _users).ToString(CultureInfo.InvariantCulture);
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/auth/register", UriKind.Relative),
            new RegisterRequest(name, name + "@example.test", "SecurePass123!", "Bench " + name), WireJson.Options);
        return await DataAsync<AuthResult>(response, "register");
    }

    private async Task<T> PostAsync<T>(string token, string path, object body, string what)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body, options: WireJson.Options) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return await DataAsync<T>(response, what);
    }

    private static async Task<T> DataAsync<T>(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return (await response.Content.ReadFromJsonAsync<ApiResponse<T>>(WireJson.Options))!.Data;
    }

    /// <summary>A new host creates a public meeting with room for <paramref name="maxParticipants"/>; answers its id.</summary>
    public async Task<long> CreateMeetingAsync(int maxParticipants = 500)
    {
        var host = await RegisterAsync();
        var startTime = DateTimeOffset.UtcNow.AddMinutes(5).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var created = await PostAsync<MeetingCreated>(host.Token, "/api/v1/meetings",
            new CreateMeetingRequest("Signaling bench", null, startTime, 60, maxParticipants, true, new MeetingSettingsRequest(null, null, false, null)), "create meeting");
        return created.MeetingId;
    }

    /// <summary>A new user registers and joins <paramref name="meetingId"/>.</summary>
    public async Task<BenchSeat> JoinAsync(long meetingId)
    {
        var user = await RegisterAsync();
        var joined = await PostAsync<JoinMeetingResult>(user.Token, $"/api/v1/meetings/{meetingId}/join", new { }, "join");
        return new BenchSeat(meetingId, user.UserId, joined.SessionToken);
    }

    /// <summary><paramref name="count"/> new users join <paramref name="meetingId"/>, a few at a time.</summary>
    public async Task<BenchSeat[]> JoinManyAsync(long meetingId, int count)
    {
        var seats = new BenchSeat[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (i, _) => seats[i] = await JoinAsync(meetingId));
        return seats;
    }
}
