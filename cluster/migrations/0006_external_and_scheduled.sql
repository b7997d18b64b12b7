-- External transfers waiting for (or answered by) the rails, and scheduled transfers with
-- one row per occurrence: the occurrence is the idempotency key of its transfer.

CREATE TABLE external_transfers (
    transaction_id   uuid        PRIMARY KEY REFERENCES transactions,
    direction        text        NOT NULL CHECK (direction IN ('OUT', 'IN')),
    rail             text        NOT NULL CHECK (rail IN ('ACH', 'WIRE')),
    account_id       uuid        NOT NULL,
    routing_number   text        NOT NULL,
    external_account text        NOT NULL,
    counterparty     text        NOT NULL,
    amount_minor     bigint      NOT NULL CHECK (amount_minor > 0),
    currency         char(3)     NOT NULL,
    status           text        NOT NULL DEFAULT 'PENDING',
    return_code      text,
    due_at           timestamptz NOT NULL,
    answered_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX external_transfers_due ON external_transfers (due_at) WHERE status = 'PENDING';

CREATE TABLE scheduled_transfers (
    schedule_id      uuid        PRIMARY KEY,
    owner_user_id    uuid        NOT NULL,
    from_account_id  uuid        NOT NULL,
    to_account_id    uuid        NOT NULL,
    amount_minor     bigint      NOT NULL CHECK (amount_minor > 0),
    currency         char(3)     NOT NULL,
    description      text,
    frequency        text        NOT NULL CHECK (frequency IN ('ONCE', 'DAILY', 'WEEKLY', 'MONTHLY')),
    start_at         timestamptz NOT NULL,
    end_date         date,
    max_count        integer,
    next_occurrence  integer     NOT NULL DEFAULT 0 CHECK (next_occurrence >= 0),
    next_run_at      timestamptz,             -- null once finished or cancelled
    status           text        NOT NULL DEFAULT 'ACTIVE',
    fingerprint      text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scheduled_transfers_due ON scheduled_transfers (next_run_at) WHERE status = 'ACTIVE';
CREATE INDEX scheduled_transfers_owner ON scheduled_transfers (owner_user_id, created_at DESC, schedule_id DESC);

CREATE TABLE scheduled_runs (
    schedule_id    uuid        NOT NULL REFERENCES scheduled_transfers,
    occurrence     integer     NOT NULL,
    due_at         timestamptz NOT NULL,
    transaction_id uuid        NOT NULL UNIQUE,
    status         text        NOT NULL,
    reason         text,
    executed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule_id, occurrence)
);

-- How far the read-model projector has read each shard's journal (by batch).
CREATE TABLE read_model_positions (
    shard      integer     PRIMARY KEY,
    batch      bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Search: newest first over everything (staff), and text within descriptions and counterparties.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX transactions_newest ON transactions (created_at DESC, transaction_id DESC);
CREATE INDEX transactions_text ON transactions
    USING gin ((coalesce(description, '') || ' ' || coalesce(counterparty, '')) gin_trgm_ops);
