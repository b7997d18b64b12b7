-- The regulatory reports: where cash movements are found by time, and which suspicious
-- activity cases have been filed with the regulator (the reference its system gave).

-- Deposits and withdrawals by when they were made. Neither column ever changes, so updates of
-- a row's status stay heap-only (see 0017).
CREATE INDEX transactions_cash ON transactions (created_at) WHERE kind IN ('DEPOSIT', 'WITHDRAWAL');

CREATE TABLE sar_filings (
    case_id    uuid        PRIMARY KEY REFERENCES fraud_cases,
    reference  text        NOT NULL CHECK (length(reference) BETWEEN 1 AND 64),
    filed_by   uuid        NOT NULL,
    filed_at   timestamptz NOT NULL DEFAULT now()
);
