-- Webhooks (issue 17; docs/webhooks.md). webhook_endpoints are the receivers administrators registered; events is
-- a comma-separated list of event types, or '*'. The secret is kept as given: signing needs it (it is never listed
-- or logged). After a rotation the previous secret still signs, beside the new one, until previous_secret_until.
CREATE TABLE webhook_endpoints (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    url                   TEXT    NOT NULL,
    description           TEXT    NOT NULL DEFAULT '',
    secret                TEXT    NOT NULL,
    previous_secret       TEXT,
    previous_secret_until BIGINT,
    secret_rotated_at     BIGINT,
    events                TEXT    NOT NULL,
    enabled               INTEGER NOT NULL,
    created_by            INTEGER NOT NULL,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL,
    -- Set by DELETE: the endpoint is gone from the API and disabled at once; the worker removes it and its rows
    -- later, once nothing of it can still be in flight (deleting rows the worker may be finishing could deadlock).
    deleted_at            BIGINT
);

-- The outbox: one row per event and endpoint, inserted in the same transaction as the change it reports (so a
-- committed change always has its rows and a rolled-back one never does). Only deliveries not yet finished live here,
-- so the worker's queries never wade through history. order_key is the meeting id (0 when the event concerns none):
-- rows of one endpoint and order key are sent one at a time, in id order. While a node sends a row,
-- lease_owner/lease_until hold it (an expired lease is taken over by any node). Times are Unix milliseconds (UTC).
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    order_key       BIGINT  NOT NULL,
    body            TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_status     INTEGER,
    last_error      TEXT,
    last_latency_ms INTEGER,
    created_at      BIGINT  NOT NULL
);
-- The head of each (endpoint, order key) queue, and what is due. Every index here is written twice per event (insert,
-- then delete when it finishes), so there are only these two: the table holds only the backlog.
CREATE INDEX ix_webhook_deliveries_queue ON webhook_deliveries (endpoint_id, order_key, id);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at);

-- Finished deliveries (state delivered or failed), moved here in the transaction that finishes them, with the same id;
-- kept Webhooks:RetentionDays for the deliveries view, then deleted. The body is not kept.
CREATE TABLE webhook_delivery_history (
    id              BIGINT  PRIMARY KEY,
    endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    order_key       BIGINT  NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    last_latency_ms INTEGER,
    created_at      BIGINT  NOT NULL,
    finished_at     BIGINT  NOT NULL
);
CREATE INDEX ix_webhook_delivery_history_endpoint ON webhook_delivery_history (endpoint_id, id);
CREATE INDEX ix_webhook_delivery_history_finished ON webhook_delivery_history (finished_at);
