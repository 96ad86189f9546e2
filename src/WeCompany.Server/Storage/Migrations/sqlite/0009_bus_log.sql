-- Bus durability (issue 9; the embedded mode never writes this table): every control message is stored with the
-- channel it was notified on, so a listener that reconnects reads what it missed (see docs/cluster.md, "The bus").
-- Kept in step with the PostgreSQL schema so both stores have the same columns.
ALTER TABLE cluster_messages ADD COLUMN channel TEXT;
