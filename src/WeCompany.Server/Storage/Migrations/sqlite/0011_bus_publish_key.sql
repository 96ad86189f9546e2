-- Exactly-once publishing on the bus (issue 9; the embedded mode never writes this table): kept in step with the
-- PostgreSQL schema so both stores have the same columns.
ALTER TABLE cluster_messages ADD COLUMN publish_key TEXT;
CREATE UNIQUE INDEX ux_cluster_messages_publish_key ON cluster_messages (publish_key);
