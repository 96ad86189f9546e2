-- Files in PostgreSQL (cluster only; the embedded mode keeps files in Files:Directory and never writes these).
-- The same tables as the PostgreSQL schema, so both dialects keep one list of tables.
CREATE TABLE file_objects (
    storage_key  TEXT     PRIMARY KEY,
    length       BIGINT   NOT NULL,
    chunk_bytes  INTEGER  NOT NULL,
    committed    INTEGER  NOT NULL DEFAULT 0,
    touched_at   BIGINT   NOT NULL
);
CREATE INDEX ix_file_objects_touched ON file_objects (touched_at);

CREATE TABLE file_chunks (
    storage_key  TEXT     NOT NULL REFERENCES file_objects (storage_key) ON DELETE CASCADE,
    seq          INTEGER  NOT NULL,
    data         BLOB     NOT NULL,
    PRIMARY KEY (storage_key, seq)
);

CREATE INDEX ix_files_storage_key ON files (storage_key);
