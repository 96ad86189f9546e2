-- Exactly-once publishing on the bus (issue 9): each control message carries a key its publisher chose, and a retry
-- of a batch whose commit PostgreSQL made but never confirmed (the connection broke before the answer) inserts and
-- notifies nothing a second time (docs/cluster.md, "The bus"). Rows without a key (media, older nodes) never conflict.
ALTER TABLE cluster_messages ADD COLUMN publish_key UUID;
CREATE UNIQUE INDEX ux_cluster_messages_publish_key ON cluster_messages (publish_key);
