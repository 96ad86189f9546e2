using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;

namespace WeCompany.Server.Files;

/// <summary>What a multipart upload carried once its body has been read and the bytes are in storage (uncommitted).</summary>
internal sealed record ReceivedUpload(long MeetingId, string FileType, string FileName, SniffedFormat Format, long Size, IFileUpload Object);

/// <summary>
/// Reads POST /api/v1/media/upload: walks the multipart body section by section (MultipartReader over the
/// request stream), copies the file part straight into storage through one pooled buffer, sniffs its first
/// bytes, and stops as soon as a limit or a rule is broken. The form fields may come before or after the
/// file; whatever can be checked early is checked before the bytes are copied.
/// </summary>
internal sealed class FileUploadReader(IFileStorage storage, IMeetingAccess access, FileStore store, IOptions<FilesOptions> options)
{
    // Room for the multipart boundaries, part headers and the two small fields around the file itself.
    private const long MultipartOverheadBytes = 64 * 1024;
    private const int FieldMaxBytes = 256;
    private const int CopyBufferBytes = 128 * 1024;

    public async Task<Result<ReceivedUpload>> ReadAsync(HttpContext context, long userId, CancellationToken ct)
    {
        var limits = options.Value;
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Length is 0 or > 200)
        {
            return UploadFailed("Send the file as multipart/form-data with the fields file, meeting_id and file_type.");
        }
        // This endpoint alone lifts Kestrel's server-wide body limit (Http:MaxBodyBytes) to the file limit.
        var bodyLimit = limits.MaxFileBytes + MultipartOverheadBytes;
        if (request.ContentLength > bodyLimit)
        {
            return TooLarge(limits.MaxFileBytes);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = bodyLimit;
        }

        var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(mediaType.Boundary).ToString(), request.Body)
        {
            BodyLengthLimit = null,
            // Part headers: room for a file name of thousands of characters twice (filename and filename*).
            HeadersLengthLimit = 64 * 1024,
        };
        long? meetingId = null;
        string? fileType = null;
        ReceivedFile? file = null;
        var accessChecked = false;
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
                if (name == "file")
                {
                    if (file is not null)
                    {
                        return UploadFailed("Send one file per upload.");
                    }
                    var fileName = FileNames.Sanitize(disposition.FileNameStar.HasValue ? disposition.FileNameStar.ToString() : HeaderUtilities.RemoveQuotes(disposition.FileName).ToString(), limits.MaxNameLength);
                    var received = await ReceiveFileAsync(section.Body, fileName, fileType, meetingId is { } known && !accessChecked ? known : null, userId, ct);
                    if (!received.IsSuccess)
                    {
                        return received.Error!;
                    }
                    file = received.Value;
                    accessChecked |= meetingId is not null;
                    continue;
                }
                var value = await ReadFieldAsync(section.Body, ct);
                if (name == "meeting_id")
                {
                    if (value is null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
                    {
                        return ApiError.Validation("meeting_id must be a positive integer.");
                    }
                    meetingId = id;
                    if (file is null)
                    {
                        // Refuse outsiders before they send the bytes.
                        if (await CheckAccessAsync(id, userId, ct) is { } denied)
                        {
                            return denied;
                        }
                        accessChecked = true;
                    }
                }
                else if (name == "file_type")
                {
                    fileType = value?.Trim().ToLowerInvariant();
                    if (fileType is null || !limits.AllowedTypes.Contains(fileType))
                    {
                        return TypeUnsupported($"file_type must be one of: {string.Join(", ", limits.AllowedTypes)}.");
                    }
                }
            }
            var failure = await ValidateCompleteAsync(meetingId, fileType, file, accessChecked, userId, ct);
            if (failure is not null)
            {
                return failure;
            }
            var complete = new ReceivedUpload(meetingId!.Value, fileType!, file!.Name, file.Format, file.Size, file.Object);
            file = null;
            return complete;
        }
        catch (Exception e) when (e is BadHttpRequestException { StatusCode: 413 })
        {
            return TooLarge(limits.MaxFileBytes);
        }
        catch (InvalidDataException e)
        {
            // MultipartReader: a malformed body, or part headers over the limit.
            return UploadFailed("The multipart body is malformed: " + e.Message);
        }
        finally
        {
            // Every way out but success drops the bytes received so far.
            await DisposeAsync(file);
        }
    }

    private async Task<ApiError?> ValidateCompleteAsync(long? meetingId, string? fileType, ReceivedFile? file, bool accessChecked, long userId, CancellationToken ct)
    {
        if (file is null || meetingId is null || fileType is null)
        {
            return ApiError.Validation("The form needs the fields file, meeting_id and file_type.");
        }
        if (file.Format.FileType != fileType)
        {
            return Mismatch(fileType, file.Format);
        }
        if (!accessChecked && await CheckAccessAsync(meetingId.Value, userId, ct) is { } denied)
        {
            return denied;
        }
        return null;
    }

    private async Task<Result<ReceivedFile>> ReceiveFileAsync(Stream body, string fileName, string? fileType, long? meetingToCheck, long userId, CancellationToken ct)
    {
        var limits = options.Value;
        if (meetingToCheck is { } meeting && await CheckAccessAsync(meeting, userId, ct) is { } denied)
        {
            return denied;
        }
        var quotaLeft = limits.QuotaBytesPerUser - await store.UsedBytesAsync(userId, ct);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        IFileUpload? upload = null;
        try
        {
            // Sniff: gather the first bytes (or all of a short file) before storing anything.
            var prefixLength = 0;
            while (prefixLength < ContentSniffer.PrefixBytes)
            {
                var read = await body.ReadAsync(buffer.AsMemory(prefixLength, ContentSniffer.PrefixBytes - prefixLength), ct);
                if (read == 0)
                {
                    break;
                }
                prefixLength += read;
            }
            if (prefixLength == 0)
            {
                return UploadFailed("The file is empty.");
            }
            if (ContentSniffer.Sniff(buffer.AsSpan(0, prefixLength), fileName) is not { } format)
            {
                return TypeUnsupported("The file's content is not a format we accept (PDF, Office, OpenDocument, text, PNG, JPEG, GIF, WebP, WAV, MP3, Ogg, FLAC, MP4, WebM, ZIP, gzip, 7z).");
            }
            if (fileType is not null && format.FileType != fileType)
            {
                return Mismatch(fileType, format);
            }

            upload = await storage.BeginAsync(ct);
            long size = prefixLength;
            if (!await TryWriteAsync(upload, buffer.AsMemory(0, prefixLength), ct))
            {
                return StoreFailed();
            }
            while (true)
            {
                var read = await body.ReadAsync(buffer.AsMemory(0, CopyBufferBytes), ct);
                if (read == 0)
                {
                    break;
                }
                size += read;
                if (size > limits.MaxFileBytes)
                {
                    await upload.DisposeAsync();
                    return TooLarge(limits.MaxFileBytes);
                }
                if (size > quotaLeft)
                {
                    await upload.DisposeAsync();
                    return QuotaExceeded(limits.QuotaBytesPerUser);
                }
                if (!await TryWriteAsync(upload, buffer.AsMemory(0, read), ct))
                {
                    return StoreFailed();
                }
            }
            if (size > quotaLeft)
            {
                await upload.DisposeAsync();
                return QuotaExceeded(limits.QuotaBytesPerUser);
            }
            var done = new ReceivedFile(fileName, format, size, upload);
            upload = null;
            return done;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (upload is not null)
            {
                // Reached only when reading failed (the client went away, the body broke a limit): drop the partial file.
                await upload.DisposeAsync();
            }
        }
    }

    // Failures of our own storage (not of the client's connection, which fails the reads) answer 30001.
    private static async Task<bool> TryWriteAsync(IFileUpload upload, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        try
        {
            await upload.Content.WriteAsync(bytes, ct);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task<ApiError?> CheckAccessAsync(long meetingId, long userId, CancellationToken ct) =>
        await access.GetAccessAsync(meetingId, userId, ct) switch
        {
            MeetingAccess.MeetingNotFound => ApiError.NotFound(ErrorCodes.MeetingNotFound, "No such meeting."),
            MeetingAccess.NotParticipant => ApiError.Forbidden(ErrorCodes.NotInMeeting, "Only the meeting's participants may share files in it."),
            _ => null,
        };

    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        var buffer = new byte[FieldMaxBytes + 1];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(length), ct);
            if (read == 0)
            {
                break;
            }
            length += read;
        }
        if (length > FieldMaxBytes)
        {
            // Drain the rest of an oversized field so the next section can be read; its value is refused.
            while (await body.ReadAsync(buffer, ct) > 0)
            {
            }
            return null;
        }
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static async ValueTask DisposeAsync(ReceivedFile? file)
    {
        if (file is not null)
        {
            await file.Object.DisposeAsync();
        }
    }

    // The client sent something unusable (not multipart, no file, an empty file): a validation error.
    internal static ApiError UploadFailed(string details) => ApiError.Validation(details);

    // The server could not store the bytes (disk full, I/O error): 30001.
    internal static ApiError StoreFailed() =>
        new(500, "UploadFailed", ErrorCodes.UploadFailed, "File upload failed", "The file could not be stored; try again later.");

    internal static ApiError TypeUnsupported(string details) =>
        new(415, "UnsupportedFileType", ErrorCodes.FileTypeUnsupported, "File format not supported", details);

    internal static ApiError TooLarge(long maxBytes) =>
        new(413, "PayloadTooLarge", ErrorCodes.FileTooLarge, "File too large", $"Files may be at most {maxBytes} bytes.");

    internal static ApiError QuotaExceeded(long quotaBytes) =>
        new(413, "QuotaExceeded", ErrorCodes.QuotaExceeded, "Storage quota exceeded", $"Each user may store at most {quotaBytes} bytes; delete files to make room.");

    private static ApiError Mismatch(string fileType, SniffedFormat format) =>
        TypeUnsupported($"file_type is {fileType} but the content is {format.ContentType} ({format.FileType}).");

    private sealed record ReceivedFile(string Name, SniffedFormat Format, long Size, IFileUpload Object);
}
