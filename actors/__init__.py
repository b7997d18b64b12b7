"""Ray actors and the adapters they stand on (settings, PostgreSQL, Kafka, Redis)."""
