-- Sessions as a user sees them (GET /api/v1/auth/sessions): where each was started (the
-- user agent and client address at login, as the gateway saw them) and when it was last
-- refreshed. Nullable: sessions started before this migration have none of it.
ALTER TABLE auth_sessions
    ADD COLUMN user_agent   text,
    ADD COLUMN ip_address   text,
    ADD COLUMN last_used_at timestamptz;
-- The list is a user's live sessions, newest first.
CREATE INDEX auth_sessions_user_created ON auth_sessions (user_id, created_at DESC) WHERE revoked_at IS NULL;
