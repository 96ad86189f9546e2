using Microsoft.Net.Http.Headers;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;

namespace WeCompany.Server.Files;

/// <summary>The specification's "媒体服务 API" (3.1) and the file endpoints around it.</summary>
public static class FilesApi
{
    public static IEndpointRouteBuilder MapFiles(this IEndpointRouteBuilder app)
    {
        var media = app.MapGroup("/api/v1/media").WithTags("Files").RequireAuthorization();
        media.MapPost("/upload", UploadAsync)
            .WithSummary("Upload a file into a meeting (multipart/form-data: file, meeting_id, file_type); streamed to storage")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<ApiResponse<FileInfoResponse>>().ProducesApiErrors(400, 401, 403, 404, 413, 415, 500);
        media.MapGet("/files/{fileId}", DownloadAsync)
            .WithSummary("Download a file (Range, ETag and Content-Disposition with the original name)")
            .Produces(200, contentType: "application/octet-stream").Produces(206).ProducesApiErrors(401, 403, 404, 416);
        media.MapDelete("/files/{fileId}", DeleteAsync)
            .WithSummary("Delete a file (its uploader or the meeting's host)")
            .Produces<ApiResponse<object>>().ProducesApiErrors(401, 403, 404);
        app.MapGet("/api/v1/meetings/{meetingId:long}/files", ListAsync).WithTags("Files").RequireAuthorization()
            .WithSummary("The meeting's files, newest first, by page (page, page_size ≤ 100; participants only)")
            .Produces<ApiResponse<FileListResponse>>().ProducesApiErrors(400, 401, 403, 404);
        return app;
    }

    private static async Task<IResult> UploadAsync(HttpContext context, FilesService files, CancellationToken ct)
    {
        var user = context.User.Identity();
        return (await files.UploadAsync(context, user.UserId, user.Username, ct)).ToHttp();
    }

    private static async Task<IResult> DownloadAsync(string fileId, HttpContext context, FilesService files, CancellationToken ct)
    {
        var opened = await files.OpenAsync(fileId, context.User.UserId(), ct);
        if (!opened.IsSuccess)
        {
            return opened.ToHttp();
        }
        var file = opened.Value.File;
        // Stored bytes never change, so the file id is a strong validator (RFC 9110 §8.8.3) and ranges may resume.
        var tag = new EntityTagHeaderValue("\"" + file.PublicId + "\"");
        context.Response.Headers.CacheControl = "private, no-cache";
        // Results.Stream answers Range (206/416), If-None-Match, If-Range and writes Content-Disposition with
        // filename* (RFC 6266 §4.3, RFC 8187 encoding) for names outside ASCII.
        return Results.Stream(opened.Value.Content, file.ContentType, file.FileName,
            DateTimeOffset.FromUnixTimeMilliseconds(file.CreatedAt), tag, enableRangeProcessing: true);
    }

    private static async Task<IResult> DeleteAsync(string fileId, HttpContext context, FilesService files, CancellationToken ct) =>
        (await files.DeleteAsync(fileId, context.User.UserId(), ct)).ToHttp();

    private static async Task<IResult> ListAsync(long meetingId, HttpContext context, FilesService files, CancellationToken ct, int page = 1, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "page_size")] int pageSize = 20) =>
        (await files.ListAsync(meetingId, context.User.UserId(), page, pageSize, context.Request, ct)).ToHttp();
}
