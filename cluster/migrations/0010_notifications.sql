-- Notifications: every message BankFlow sends (or decided not to send), the events the
-- consumer has handled (so a redelivered or replayed event never notifies twice), and each
-- user's channel preferences.

CREATE TABLE notification_events (
    event_id   text        PRIMARY KEY,   -- the CloudEvent id
    event_type text        NOT NULL,
    topic      text        NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notifications (
    notification_id uuid        PRIMARY KEY,
    seq             bigserial   NOT NULL UNIQUE,   -- recording order: a live stream resumes after it
    user_id         uuid,                          -- null: an admin's message to a bare address
    event_id        text,                          -- null: an admin's message
    event_type      text,
    channel         text        NOT NULL,
    recipient       text        NOT NULL,
    subject         text,
    body            text        NOT NULL,
    html            text,
    template        text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz,
    last_error      text,
    metadata        jsonb       NOT NULL DEFAULT '{}',
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user ON notifications (user_id, seq DESC);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';

CREATE TABLE notification_preferences (
    user_id    uuid        PRIMARY KEY REFERENCES users,
    channels   jsonb       NOT NULL,   -- category → channel → on/off (models/notifications.py)
    push_token text,                   -- the device an app registered for push messages
    updated_at timestamptz NOT NULL DEFAULT now()
);
