-- A notification is recorded with what it tells (the template's context and the reader's
-- locale) and rendered when it is sent or shown, so that the consumer keeps pace with the
-- topics: rendering a message costs more than everything else its event does. The sent (or
-- failed, or skipped) row keeps its rendered text and drops its context, which may carry a
-- security code.
ALTER TABLE notifications ALTER COLUMN body DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN context jsonb;
ALTER TABLE notifications ADD COLUMN locale text;
ALTER TABLE notifications ADD CONSTRAINT notifications_rendered_or_renderable
    CHECK (body IS NOT NULL OR context IS NOT NULL);
