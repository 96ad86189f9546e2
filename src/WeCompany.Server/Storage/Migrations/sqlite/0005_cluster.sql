-- Cluster (issue 9; the embedded mode never writes these): the nodes and their heartbeats, who is connected where, and bus messages too large for NOTIFY.
-- Times are Unix milliseconds (UTC). A node whose heartbeat_at is older than Cluster:NodeTimeoutSeconds is gone.
CREATE TABLE cluster_nodes (
    node_id          TEXT    PRIMARY KEY,
    http_url         TEXT,
    media_addresses  TEXT    NOT NULL DEFAULT '',
    started_at       BIGINT  NOT NULL,
    heartbeat_at     BIGINT  NOT NULL,
    draining         INTEGER NOT NULL DEFAULT 0
);

-- One row per live connection (TCP protocol or signaling socket) on a node.
CREATE TABLE cluster_presence (
    node_id        TEXT    NOT NULL,
    connection_id  TEXT    NOT NULL,
    user_id        BIGINT  NOT NULL,
    channel        TEXT    NOT NULL,
    since          BIGINT  NOT NULL,
    PRIMARY KEY (node_id, connection_id)
);
CREATE INDEX ix_cluster_presence_user ON cluster_presence (user_id);

-- Payloads over the NOTIFY limit: the notification carries "@" and the id.
CREATE TABLE cluster_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    payload     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX ix_cluster_messages_created ON cluster_messages (created_at);
