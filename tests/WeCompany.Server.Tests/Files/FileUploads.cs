using System.Net.Http.Headers;
using System.Net.Http.Json;
using WeCompany.Protocol;
using WeCompany.Protocol.Rest;

namespace WeCompany.Server.Tests.Files;

/// <summary>Builds upload requests and reads their answers for the files tests.</summary>
internal static class FileUploads
{
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
