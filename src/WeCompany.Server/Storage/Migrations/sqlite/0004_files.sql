-- Files uploaded into meetings. The bytes live in the file storage under storage_key; file_name is the
-- original name, kept as metadata only. file_usage holds each user's bytes in use so that the quota check
-- and the reservation are one conditional UPDATE (atomic when two uploads race for the last bytes).
CREATE TABLE files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id    TEXT    NOT NULL,
    meeting_id   BIGINT  NOT NULL,
    uploader_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name    TEXT    NOT NULL,
    file_type    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size_bytes   BIGINT  NOT NULL,
    storage_key  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL
);
CREATE UNIQUE INDEX ux_files_public_id ON files (public_id);
CREATE INDEX ix_files_meeting ON files (meeting_id, created_at);
CREATE INDEX ix_files_uploader ON files (uploader_id);

CREATE TABLE file_usage (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    used_bytes BIGINT  NOT NULL DEFAULT 0
);
