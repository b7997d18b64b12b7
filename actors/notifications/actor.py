"""The notifications actor: the Kafka consumer (events → recorded notifications) and the
delivery loop (recorded → sent), in one restartable Ray actor.

All state is in PostgreSQL and in the consumer group's committed offsets, so Ray restarting
the actor after a crash (max_restarts=-1) resumes where they say: nothing lost, nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import asyncpg
import ray

from actors.notifications.channels import EmailChannel, PushChannel, Sender, SmsChannel
from actors.notifications.consumer import NotificationConsumer
from actors.notifications.delivery import Delivery
from actors.notifications.intake import NotificationIntake
from actors.notifications.rendering import Renderer
from actors.settings import Settings
from actors.singletons import singleton_options
from actors.tracing import prepare_process
from models.notifications import Channel

logger = logging.getLogger("bankflow.notifications")

NOTIFICATIONS_ACTOR_NAME: Final = "notifications"
NOTIFICATIONS_NAMESPACE: Final = "bankflow"
# Each statement planned for its own values. A generic plan, cached on a connection while the
# notifications table was nearly empty (a new stack), went on reading the whole partial "due"
# index to find one notification by id as the table grew: recording each delivery's outcome
# took ~10 ms of PostgreSQL CPU at 15,000 pending messages, against ~0.5 ms planned for its
# values. Planning a call costs a fraction of a millisecond and follows the table's size.
PLANNED_PER_CALL: Final = {"plan_cache_mode": "force_custom_plan"}


def channels(settings: Settings) -> dict[Channel, Sender]:
    """The channel adapters the settings configure (unconfigured ones answer `not configured`)."""
    return {
        Channel.EMAIL: EmailChannel(settings.smtp_url.get_secret_value(), settings.mail_from),
        Channel.SMS: SmsChannel(
            settings.sms_api_url,
            settings.sms_account_sid,
            settings.sms_auth_token.get_secret_value(),
            settings.sms_from,
        ),
        Channel.PUSH: PushChannel(
            settings.push_api_url, settings.push_project_id, settings.push_access_token.get_secret_value()
        ),
    }


@ray.remote(max_restarts=-1, max_task_retries=0)
class Notifications:
    def __init__(self, settings: Settings) -> None:
        prepare_process(
            "notifications-consumer", settings.otlp_traces_endpoint, settings.trace_sample_ratio, json_logs=True
        )
        self._settings = settings
        self._consumer: NotificationConsumer | None = None
        self._intake: NotificationIntake | None = None
        self._delivery: Delivery | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._starting = asyncio.get_running_loop().create_task(self._start())

    async def _start(self) -> None:
        settings = self._settings
        pool = None
        while pool is None:
            try:
                pool = await asyncpg.create_pool(
                    settings.database_url, min_size=1, max_size=4, server_settings=PLANNED_PER_CALL
                )
            except (OSError, asyncpg.PostgresError):
                logger.warning("notifications cannot reach PostgreSQL yet; retrying")
                await asyncio.sleep(1.0)
        renderer = Renderer()
        self._intake = NotificationIntake(pool, renderer)
        self._consumer = NotificationConsumer(settings.kafka_bootstrap, self._intake)
        self._delivery = Delivery(
            pool, renderer, channels(settings), settings.notification_retry_base_ms, settings.notification_retry_cap_ms
        )
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._consumer.run_forever()), loop.create_task(self._deliver_forever())]

    async def _deliver_forever(self) -> None:
        assert self._delivery is not None
        interval_s = self._settings.jobs_poll_interval_ms / 1000
        while True:
            try:
                if await self._delivery.run_once() == 0:
                    await asyncio.sleep(interval_s)
            except Exception:
                logger.exception("notification delivery round failed; next round in %.1f s", interval_s)
                await asyncio.sleep(interval_s)

    async def stats(self) -> dict[str, Any]:
        consumer, intake, delivery = self._consumer, self._intake, self._delivery
        return {
            "running": bool(self._tasks) and not any(task.done() for task in self._tasks),
            "consumed": 0 if consumer is None else consumer.consumed,
            "dead_lettered": 0 if consumer is None else consumer.dead_lettered,
            "recorded": 0 if intake is None else intake.recorded,
            "duplicates": 0 if intake is None else intake.duplicates,
            "sent": 0 if delivery is None else delivery.sent,
            "failed": 0 if delivery is None else delivery.failed,
            "skipped": 0 if delivery is None else delivery.skipped,
            "retried": 0 if delivery is None else delivery.retried,
        }

    async def stop(self) -> None:
        for task in [self._starting, *self._tasks]:
            task.cancel()
        await asyncio.gather(self._starting, *self._tasks, return_exceptions=True)


def ensure_notifications(settings: Settings, name: str = NOTIFICATIONS_ACTOR_NAME) -> Any:
    """The notifications actor (detached, so it outlives the caller), created if missing."""
    options = singleton_options(name, NOTIFICATIONS_NAMESPACE, settings.ledger_actor_resources)
    return Notifications.options(**options).remote(settings)  # type: ignore[attr-defined]
