-- The transactional outbox: domain events written in the same transaction as the change
-- that caused them, then published to Kafka as CloudEvents by the relay and marked sent.
-- One row carries the events of one topic from one transaction (a ledger batch writes
-- thousands of events; one row per event would cost more than the journal itself).
CREATE TABLE outbox (
    position      bigserial   PRIMARY KEY,          -- publish order
    topic         text        NOT NULL,
    events        jsonb       NOT NULL,             -- [{id, type, source, subject, key, time, data}, ...]
    event_count   integer     NOT NULL CHECK (event_count > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (position) WHERE published_at IS NULL;
