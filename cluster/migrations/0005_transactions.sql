-- Transactions as customers see them: the read model beside the journal (the journal stays
-- the truth of balances; this is the truth of descriptions, counterparties and statuses as
-- the API shows them), their status history, and the limits on outgoing money.

CREATE TABLE transactions (
    transaction_id   uuid        PRIMARY KEY,   -- the ledger transfer id of the movement
    kind             text        NOT NULL,
    status           text        NOT NULL,
    reason           text,
    from_account_id  uuid,
    to_account_id    uuid,
    amount_minor     bigint      NOT NULL CHECK (amount_minor > 0),
    captured_minor   bigint,                    -- a payment captured in part
    currency         char(3)     NOT NULL,
    description      text,
    counterparty     text,
    reversal_of      uuid,                      -- a reversal names the transaction it undoes
    fraud_verdict    text,
    fraud_score      smallint,
    fraud_reasons    jsonb,
    initiated_by     uuid        NOT NULL,      -- the user who asked for it
    fingerprint      text        NOT NULL,      -- digest of the request: a retry vs a conflict
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transactions_from ON transactions (from_account_id, created_at DESC, transaction_id DESC);
CREATE INDEX transactions_to ON transactions (to_account_id, created_at DESC, transaction_id DESC);
-- At most one live reversal per transaction (a failed attempt frees the slot).
CREATE UNIQUE INDEX transactions_one_reversal ON transactions (reversal_of)
    WHERE reversal_of IS NOT NULL AND status <> 'FAILED';
CREATE INDEX transactions_unsettled ON transactions (updated_at) WHERE status IN ('PROCESSING', 'PENDING');

CREATE TABLE transaction_status_history (
    transaction_id uuid        NOT NULL REFERENCES transactions,
    seq            integer     NOT NULL,
    status         text        NOT NULL,
    reason         text,
    at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (transaction_id, seq)
);

-- An account's daily outgoing limit when an admin set one (else the settings default).
CREATE TABLE account_limits (
    account_id          uuid        PRIMARY KEY,
    daily_outgoing_minor bigint     NOT NULL CHECK (daily_outgoing_minor >= 0),
    set_by              uuid        NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Outgoing money reserved per account and UTC day: one atomic statement checks and adds,
-- so concurrent requests cannot together pass the limit.
CREATE TABLE daily_outgoing (
    account_id uuid   NOT NULL,
    day        date   NOT NULL,
    used_minor bigint NOT NULL CHECK (used_minor >= 0),
    PRIMARY KEY (account_id, day)
);
