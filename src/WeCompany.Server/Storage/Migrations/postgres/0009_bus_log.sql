-- Bus durability (issue 9): every control message is stored with the channel it was notified on, so a listener
-- that reconnects reads what it missed (see docs/cluster.md, "The bus"). Media frames are never stored unless too
-- large for NOTIFY; those rows, and the ones written before this migration, have no channel and are never replayed.
-- No new index: a replay is rare and reads the last seconds through ix_cluster_messages_created; every index
-- added here would be written on each published message.
ALTER TABLE cluster_messages ADD COLUMN channel TEXT;
