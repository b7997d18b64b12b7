"""Customer notifications: events in, rendered messages out, delivered with retries."""
