"""Embedded PostgreSQL, Kafka-protocol broker, Redis and Ray head for laptops and CI."""
