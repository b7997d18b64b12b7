"""The Kafka topics of BankFlow's events, one per bounded context (API.md, Events)."""

from typing import Final

IDENTITY_EVENTS: Final = "identity-events"
CUSTOMER_EVENTS: Final = "customer-events"
ACCOUNT_EVENTS: Final = "account-events"
TRANSACTION_EVENTS: Final = "transaction-events"
FRAUD_EVENTS: Final = "fraud-events"
NOTIFICATION_EVENTS: Final = "notification-events"
# Every audit record as it is written (for a SIEM): one partition key, so the chain stays in order.
AUDIT_EVENTS: Final = "audit-events"

ALL_TOPICS: Final = (
    IDENTITY_EVENTS,
    CUSTOMER_EVENTS,
    ACCOUNT_EVENTS,
    TRANSACTION_EVENTS,
    FRAUD_EVENTS,
    NOTIFICATION_EVENTS,
    AUDIT_EVENTS,
)
# What the notification consumer reads: every context's events but the audit trail's, which
# notify nobody.
NOTIFYING_TOPICS: Final = tuple(topic for topic in ALL_TOPICS if topic != AUDIT_EVENTS)

# Messages the notification consumer could not handle, with the reason in their headers.
NOTIFICATION_DEAD_LETTERS: Final = "notification-dead-letters"
