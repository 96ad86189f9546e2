namespace WeCompany.Protocol.Rest;

/// <summary>
/// A stored file of a meeting: the answer to POST /api/v1/media/upload (specification 3.1: file_id, file_name,
/// file_url, file_size, uploaded_at) and one item of GET /api/v1/meetings/{id}/files (with the extra fields).
/// </summary>
/// <param name="FileId">Opaque id, e.g. "file_3f9c…"; never derived from the original name.</param>
/// <param name="FileName">The original name as sent, reduced to a safe base name (metadata only).</param>
/// <param name="FileUrl">Where to download it: GET /api/v1/media/files/{file_id} (needs the bearer token).</param>
/// <param name="FileSize">Size in bytes.</param>
/// <param name="UploadedAt">When the upload completed (UTC).</param>
/// <param name="FileType">The declared kind: document, image, audio, video or archive.</param>
/// <param name="ContentType">The media type found by sniffing the first bytes.</param>
/// <param name="MeetingId">The meeting the file belongs to.</param>
/// <param name="UploadedBy">The uploader's user id.</param>
public sealed record FileInfoResponse(
    string FileId,
    string FileName,
    string FileUrl,
    long FileSize,
    DateTimeOffset UploadedAt,
    string FileType,
    string ContentType,
    long MeetingId,
    long UploadedBy);

/// <summary>GET /api/v1/meetings/{id}/files?page=&amp;page_size=: one page of the meeting's files, newest first.</summary>
/// <param name="Files">The page's files.</param>
/// <param name="Total">Files in the meeting.</param>
/// <param name="Page">1-based page number.</param>
/// <param name="PageSize">Files per page (at most 100).</param>
/// <param name="TotalPages">Pages in all.</param>
public sealed record FileListResponse(IReadOnlyList<FileInfoResponse> Files, long Total, int Page, int PageSize, int TotalPages);
