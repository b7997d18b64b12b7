-- The outbox keeps each row's events as the text its writer produced: `json`, not `jsonb`.
-- Only the relay reads them, whole, once; converting a ledger batch's events (about 1.6 MB
-- for 8,190 transfers) to jsonb and compressing it cost PostgreSQL more CPU than the batch's
-- journal rows. EXTERNAL storage keeps large values out of line, uncompressed.
ALTER TABLE outbox ALTER COLUMN events TYPE json USING events::json;
ALTER TABLE outbox ALTER COLUMN events SET STORAGE EXTERNAL;
