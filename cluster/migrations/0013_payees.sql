-- Payees: the recipients a customer saved, by BankFlow account number, with a nickname of
-- their own and the holder's display name (first name, last initial) as the lookup showed it.
-- A customer saves a number once; the API bounds how many (models/payees.py).
CREATE TABLE payees (
    payee_id       uuid        PRIMARY KEY,
    customer_id    uuid        NOT NULL REFERENCES customers,
    nickname       text        NOT NULL CHECK (length(nickname) BETWEEN 1 AND 64),
    account_number text        NOT NULL,
    holder_name    text        NOT NULL,
    currency       char(3)     NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (customer_id, account_number)
);
-- The list is paged by nickname.
CREATE INDEX payees_customer_nickname ON payees (customer_id, lower(nickname), payee_id);

-- The KYC queue: customers in a KYC status, oldest change first (GET /customers/search?sort=kyc_updated_at).
CREATE INDEX customers_kyc_queue ON customers (kyc_status, (coalesce(kyc_updated_at, created_at)), customer_id);
