using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Diagnostics;
using WeCompany.Server.Http;
using WeCompany.Server.Meetings;

namespace WeCompany.Server.Files;

/// <summary>A file ready to be sent: its record and the open bytes (the caller disposes the stream).</summary>
public sealed record FileDownload(FileRecord File, Stream Content);

/// <summary>Uploads, lists, downloads and deletes the files of meetings, with the rules of issue 8.</summary>
public sealed partial class FilesService(
    IFileStorage storage,
    FileStore store,
    IMeetingAccess access,
    IMeetingEventBus events,
    IOptions<FilesOptions> options,
    IOptions<HttpOptions> http,
    TimeProvider clock,
    MetricsRegistry metrics,
    ILogger<FilesService> logger)
{
    private readonly Counter _uploads = metrics.Counter("files_uploaded_total", "Files stored by uploads.");
    private readonly Counter _uploadedBytes = metrics.Counter("files_uploaded_bytes_total", "Bytes stored by uploads.");

    internal async Task<Result<FileInfoResponse>> UploadAsync(HttpContext context, long userId, string uploaderName, CancellationToken ct)
    {
        var reader = new FileUploadReader(storage, access, store, options);
        var read = await reader.ReadAsync(context, userId, ct);
        if (!read.IsSuccess)
        {
            return read.Error!;
        }
        var upload = read.Value;
        await using var stored = upload.Object;
        await stored.CommitAsync(ct);
        var record = new FileRecord
        {
            PublicId = "file_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            MeetingId = upload.MeetingId,
            UploaderId = userId,
            FileName = upload.FileName,
            FileType = upload.FileType,
            ContentType = upload.Format.ContentType,
            SizeBytes = upload.Size,
            StorageKey = stored.Key,
            CreatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        FileRecord? saved;
        try
        {
            saved = await store.TryInsertWithinQuotaAsync(record, options.Value.QuotaBytesPerUser, ct);
        }
        catch
        {
            await storage.DeleteAsync(stored.Key, CancellationToken.None);
            throw;
        }
        if (saved is null)
        {
            // Another upload took the last of the quota while this one was streaming.
            await storage.DeleteAsync(stored.Key, CancellationToken.None);
            return FileUploadReader.QuotaExceeded(options.Value.QuotaBytesPerUser);
        }
        _uploads.Increment();
        _uploadedBytes.Add(saved.SizeBytes);
        var info = ToResponse(saved, context.Request);
        Log.Uploaded(logger, saved.PublicId, saved.MeetingId, userId, saved.SizeBytes);
        await events.PublishAsync(new MeetingNotice(saved.MeetingId, userId, $"{uploaderName} shared {saved.FileName}: {info.FileUrl}"), ct);
        return info;
    }

    /// <summary>Largest page of a file list, as for every list of the API.</summary>
    public const int MaxPageSize = 100;

    public async Task<Result<FileListResponse>> ListAsync(long meetingId, long userId, int page, int pageSize, HttpRequest request, CancellationToken ct)
    {
        if (page < 1 || pageSize is < 1 or > MaxPageSize)
        {
            return ApiError.Validation($"page must be at least 1 and page_size 1 to {MaxPageSize}.");
        }
        switch (await access.GetAccessAsync(meetingId, userId, ct))
        {
            case MeetingAccess.MeetingNotFound:
                return ApiError.NotFound(ErrorCodes.MeetingNotFound, "No such meeting.");
            case MeetingAccess.NotParticipant:
                return ApiError.Forbidden(ErrorCodes.NotInMeeting, "Only the meeting's participants may see its files.");
        }
        var (files, total) = await store.ListForMeetingAsync(meetingId, (int)Math.Min(int.MaxValue, (long)(page - 1) * pageSize), pageSize, ct);
        return new FileListResponse(files.Select(f => ToResponse(f, request)).ToList(), total, page, pageSize, (int)((total + pageSize - 1) / pageSize));
    }

    public async Task<Result<FileDownload>> OpenAsync(string fileId, long userId, CancellationToken ct)
    {
        var file = await store.FindAsync(fileId, ct);
        if (file is null)
        {
            return NotFound();
        }
        if (file.UploaderId != userId && await access.GetAccessAsync(file.MeetingId, userId, ct) is not (MeetingAccess.Participant or MeetingAccess.Host))
        {
            return ApiError.Forbidden(ErrorCodes.NotInMeeting, "Only the meeting's participants may download its files.");
        }
        var content = await storage.OpenReadAsync(file.StorageKey, ct);
        return content is null ? NotFound() : new FileDownload(file, content);
    }

    public async Task<Result<Nothing>> DeleteAsync(string fileId, long userId, CancellationToken ct)
    {
        var file = await store.FindAsync(fileId, ct);
        if (file is null)
        {
            return NotFound();
        }
        if (file.UploaderId != userId && await access.GetAccessAsync(file.MeetingId, userId, ct) != MeetingAccess.Host)
        {
            return ApiError.Forbidden(ErrorCodes.MeetingPermissionDenied, "Only the uploader or the meeting's host may delete a file.");
        }
        if (!await store.DeleteAsync(file, ct))
        {
            return NotFound();
        }
        await storage.DeleteAsync(file.StorageKey, CancellationToken.None);
        Log.Deleted(logger, file.PublicId, userId);
        return default(Nothing);
    }

    /// <summary>GET /api/v1/media/files/{file_id} on this server (Http:PublicUrl, else the request's own origin).</summary>
    public FileInfoResponse ToResponse(FileRecord file, HttpRequest request)
    {
        var origin = string.IsNullOrEmpty(http.Value.PublicUrl) ? $"{request.Scheme}://{request.Host}" : http.Value.PublicUrl.TrimEnd('/');
        return new FileInfoResponse(
            file.PublicId,
            file.FileName,
            $"{origin}/api/v1/media/files/{file.PublicId}",
            file.SizeBytes,
            DateTimeOffset.FromUnixTimeMilliseconds(file.CreatedAt),
            file.FileType,
            file.ContentType,
            file.MeetingId,
            file.UploaderId);
    }

    private static ApiError NotFound() => ApiError.NotFound(ErrorCodes.FileNotFound, "No such file.");

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "File {FileId} ({Size} bytes) uploaded into meeting {MeetingId} by user {UserId}")]
        public static partial void Uploaded(ILogger logger, string fileId, long meetingId, long userId, long size);

        [LoggerMessage(2, LogLevel.Information, "File {FileId} deleted by user {UserId}")]
        public static partial void Deleted(ILogger logger, string fileId, long userId);
    }
}
