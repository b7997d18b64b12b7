"""Kafka administration: make sure BankFlow's topics exist, on any Kafka-protocol cluster."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from models.topics import ALL_TOPICS

# The embedded broker auto-creates a topic that a client names before we create it, with 4
# partitions (e.g. right after it restarts empty); ours get the same count, so a producer's
# cached metadata stays valid across such a restart and no key lands on a missing partition.
PARTITIONS_PER_TOPIC = 4
MAX_REPLICATION_FACTOR = 3
TOPIC_ALREADY_EXISTS = 36
REQUEST_TIMEOUT_MS = 10_000


async def ensure_topics(bootstrap: str, topics: tuple[str, ...] = ALL_TOPICS) -> list[str]:
    """Create the missing topics; return the ones created. Safe to call any number of times."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=REQUEST_TIMEOUT_MS)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [topic for topic in topics if topic not in existing]
        if not missing:
            return []
        cluster = await admin.describe_cluster()
        replication = max(1, min(MAX_REPLICATION_FACTOR, len(cluster["brokers"])))
        response = await admin.create_topics([NewTopic(topic, PARTITIONS_PER_TOPIC, replication) for topic in missing])
        for topic, code, message in response.topic_errors:
            if code not in (0, TOPIC_ALREADY_EXISTS):
                raise RuntimeError(f"kafka: creating topic {topic} failed: {message} (code {code})")
        return missing
    finally:
        await admin.close()
