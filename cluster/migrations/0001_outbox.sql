-- The transactional outbox: domain events written in the same transaction as the change
-- that caused them, then published to Kafka as CloudEvents by the relay and marked sent.
-- format 'events': `events` is a JSON array of full events of one `topic`.
-- format 'ledger-batch': `events` is a ledger batch's events in compact form (see
-- models/ledger/events.py); the relay expands them into full events across topics.
CREATE TABLE outbox (
    position      bigserial   PRIMARY KEY,          -- publish order
    format        text        NOT NULL CHECK (format IN ('events', 'ledger-batch')),
    topic         text        CHECK ((format = 'events') = (topic IS NOT NULL)),
    events        jsonb       NOT NULL,
    event_count   integer     NOT NULL CHECK (event_count > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (position) WHERE published_at IS NULL;
