-- The transactional outbox: domain events written in the same transaction as the change
-- that caused them, published to Kafka as CloudEvents by the relay, then marked sent.
CREATE TABLE outbox (
    position      bigserial   PRIMARY KEY,          -- publish order
    event_id      uuid        NOT NULL UNIQUE,      -- the CloudEvent id; stable across retries
    topic         text        NOT NULL,
    partition_key text        NOT NULL,             -- aggregate id: one aggregate's events stay in order
    event_type    text        NOT NULL,             -- e.g. com.bankflow.account.created
    source        text        NOT NULL,
    subject       text        NOT NULL,
    data          jsonb       NOT NULL,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (position) WHERE published_at IS NULL;
