-- Cluster (issue 9; the embedded mode never writes this): which node hosts each meeting's signaling room. A node claims the meeting when a room opens
-- on it; the node it took the meeting from is told to hand its room over (docs/cluster.md, "Room ownership").
-- Rows of nodes that stopped heart-beating are deleted with the node. opened_at is Unix milliseconds (UTC).
CREATE TABLE cluster_rooms (
    meeting_id  INTEGER PRIMARY KEY,
    node_id     TEXT    NOT NULL,
    opened_at   BIGINT  NOT NULL
);
CREATE INDEX ix_cluster_rooms_node ON cluster_rooms (node_id);
