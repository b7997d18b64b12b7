-- What each transaction counts against its account's daily outgoing limit. The counter in
-- daily_outgoing is the sum of these per account and day; a reservation made twice for one
-- transaction counts once, and releasing it (the movement failed, was voided, expired, or
-- was captured for less) gives back exactly what it still holds, once.
CREATE TABLE outgoing_reservations (
    transaction_id uuid        PRIMARY KEY,
    account_id     uuid        NOT NULL,
    day            date        NOT NULL,
    amount_minor   bigint      NOT NULL CHECK (amount_minor >= 0),  -- 0 once released
    reserved_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outgoing_reservations_account_day ON outgoing_reservations (account_id, day);
