-- Meetings: the meeting, who was invited, who joined. Times are Unix milliseconds (UTC).
-- seats_taken (present co-hosts and participants), audience_taken and present_count are kept by the same
-- transactions that change participants, so the seat check is one conditional UPDATE and the list reads a
-- live count without counting rows.
CREATE TABLE meetings (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    code               TEXT    NOT NULL,
    title              TEXT    NOT NULL,
    description        TEXT    NOT NULL DEFAULT '',
    host_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    start_time         BIGINT  NOT NULL,
    duration_minutes   INTEGER NOT NULL,
    max_participants   INTEGER NOT NULL,
    is_public          INTEGER NOT NULL DEFAULT 0,
    enable_recording   INTEGER NOT NULL DEFAULT 0,
    enable_ai_analysis INTEGER NOT NULL DEFAULT 0,
    require_password   INTEGER NOT NULL DEFAULT 0,
    password_hash      TEXT,
    status             TEXT    NOT NULL DEFAULT 'scheduled',
    seats_taken        INTEGER NOT NULL DEFAULT 0,
    audience_taken     INTEGER NOT NULL DEFAULT 0,
    present_count      INTEGER NOT NULL DEFAULT 0,
    started_at         BIGINT,
    ended_at           BIGINT,
    empty_since        BIGINT,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
CREATE UNIQUE INDEX ux_meetings_code ON meetings (code);
CREATE INDEX ix_meetings_host ON meetings (host_id, is_public, status);
CREATE INDEX ix_meetings_list ON meetings (start_time DESC, id DESC);
CREATE INDEX ix_meetings_status ON meetings (status, start_time DESC, id DESC);
CREATE INDEX ix_meetings_public ON meetings (is_public, status);

CREATE TABLE meeting_invitations (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX ix_meeting_invitations_user ON meeting_invitations (user_id);

-- One row per (meeting, user): rejoining reuses it, so participant_id is stable; kicked_at bars rejoining.
CREATE TABLE meeting_participants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL,
    joined_at   BIGINT  NOT NULL,
    left_at     BIGINT,
    kicked_at   BIGINT,
    audio_muted INTEGER NOT NULL DEFAULT 0,
    video_muted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ux_meeting_participants ON meeting_participants (meeting_id, user_id);
CREATE INDEX ix_meeting_participants_user ON meeting_participants (user_id);
