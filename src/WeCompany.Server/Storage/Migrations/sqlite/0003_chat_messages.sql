-- Signaling: chat messages, numbered per meeting (seq) so clients fetch what they missed with after_seq.
-- meeting_id has no foreign key here: the meetings table belongs to the meetings migration (0002).
CREATE TABLE chat_messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id   BIGINT  NOT NULL,
    seq          BIGINT  NOT NULL,
    message_id   TEXT    NOT NULL,
    from_user_id BIGINT  NOT NULL,
    username     TEXT    NOT NULL,
    to_user_id   BIGINT,
    content      TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL
);
CREATE UNIQUE INDEX ux_chat_messages_meeting_seq ON chat_messages (meeting_id, seq);
