-- Files in PostgreSQL (Files:Storage=postgres, the default in a cluster): every node serves every file with
-- nothing shared but the database. An object's bytes are rows of file_chunks (Files/PostgresFileStorage.cs:
-- 512 KiB each, the last shorter); file_objects says how long it is and whether its upload committed.
-- touched_at (Unix milliseconds) is the last write: uncommitted objects untouched for Files:AbandonedUploadMinutes
-- belong to an upload whose node died, and are swept.
CREATE TABLE file_objects (
    storage_key  TEXT     PRIMARY KEY,
    length       BIGINT   NOT NULL,
    chunk_bytes  INTEGER  NOT NULL,
    committed    BOOLEAN  NOT NULL DEFAULT FALSE,
    touched_at   BIGINT   NOT NULL
);
CREATE INDEX ix_file_objects_touched ON file_objects (touched_at);

CREATE TABLE file_chunks (
    storage_key  TEXT     NOT NULL REFERENCES file_objects (storage_key) ON DELETE CASCADE,
    seq          INTEGER  NOT NULL,
    data         BYTEA    NOT NULL,
    PRIMARY KEY (storage_key, seq)
);
-- Out of line and uncompressed: uploads are mostly compressed formats already (PDF streams, Office and ZIP,
-- JPEG/PNG, MP3/MP4), where pglz only spends CPU before giving up, and uncompressed TOAST lets PostgreSQL fetch a
-- slice of a value without the rest.
ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- The sweep looks for committed objects no file points at (a node that died between storing and recording).
CREATE INDEX ix_files_storage_key ON files (storage_key);
