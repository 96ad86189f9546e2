using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Tests.Files;

/// <summary>Builds upload requests and reads their answers for the files tests, and the users and meetings they need.</summary>
internal static class FileUploads
{
    /// <summary>Registers <paramref name="username"/>; answers its id and a client that sends its bearer token.</summary>
    public static async Task<(long UserId, HttpClient Client)> UserAsync(this TestServer server, string username)
    {
        var auth = await server.RegisterAsync(username).WaitAsync(TimeSpan.FromSeconds(30));
        return (auth.UserId, server.ClientFor(auth.Token));
    }

    /// <summary>
    /// Creates a public meeting without a password through the REST API as <paramref name="host"/> (who becomes its
    /// host), has each of <paramref name="participants"/> join it, and answers its id.
    /// </summary>
    public static async Task<long> MeetingAsync(HttpClient host, params HttpClient[] participants)
    {
        var startTime = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var request = new CreateMeetingRequest("Files review", null, startTime, 60, 10, true, new MeetingSettingsRequest(null, null, false, null));
        using var created = await host.PostAsJsonAsync("/api/v1/meetings", request, WireJson.Options).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"create meeting answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        var meetingId = (await created.Content.ReadFromJsonAsync<ApiResponse<MeetingCreated>>(WireJson.Options))!.Data.MeetingId;
        foreach (var participant in participants)
        {
            using var body = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            using var joined = await participant.PostAsync($"/api/v1/meetings/{meetingId}/join", body).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(joined.IsSuccessStatusCode, $"join answered {(int)joined.StatusCode}: {await joined.Content.ReadAsStringAsync()}");
        }
        return meetingId;
    }

    /// <summary>A PDF-looking payload of <paramref name="size"/> bytes (the signature, then pseudo-random bytes).</summary>
    public static byte[] Pdf(int size, int seed = 1)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    public static MultipartFormDataContent Form(byte[] content, string fileName, long meetingId, string fileType, bool fieldsFirst = true)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (fieldsFirst)
        {
            form.Add(new StringContent(meetingId.ToString(System.Globalization.CultureInfo.InvariantCulture)), "meeting_id");
            form.Add(new StringContent(fileType), "file_type");
        }
        form.Add(file, "file", fileName);
        if (!fieldsFirst)
        {
            form.Add(new StringContent(meetingId.ToString(System.Globalization.CultureInfo.InvariantCulture)), "meeting_id");
            form.Add(new StringContent(fileType), "file_type");
        }
        return form;
    }

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] content, string fileName, long meetingId, string fileType = "document", bool fieldsFirst = true)
    {
        using var form = Form(content, fileName, meetingId, fileType, fieldsFirst);
        return await client.PostAsync("/api/v1/media/upload", form).WaitAsync(TimeSpan.FromSeconds(30));
    }

    public static async Task<FileInfoResponse> UploadOkAsync(HttpClient client, byte[] content, string fileName, long meetingId, string fileType = "document")
    {
        using var response = await UploadAsync(client, content, fileName, meetingId, fileType);
        Assert.True(response.IsSuccessStatusCode, $"upload answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<ApiResponse<FileInfoResponse>>(WireJson.Options))!.Data;
    }

    public static async Task<ApiErrorBody> ErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ApiErrorResponse>(WireJson.Options))!.Error;

    /// <summary>Polls until <paramref name="condition"/> holds (or fails the test after 10 s).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(20);
        }
    }
}
