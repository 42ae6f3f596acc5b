"""Celery adapters for the outbox: load by id, call :mod:`notifications.delivery`, own the retry policy."""

import logging
import time

from celery import shared_task
from kombu.exceptions import OperationalError

from . import delivery

logger = logging.getLogger(__name__)

# After the broker refused or timed out a publish, this process leaves the outbox to the relay for a while:
# each further attempt would cost its caller (a web request) another connection timeout.
PUBLISH_PAUSE_SECONDS = 30
_publish_paused_until = 0.0


# The retry ceiling is the row's ``attempts`` (it survives redelivery and relay re-queues), not Celery's count.
@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver(self, delivery_id: int) -> None:
    try:
        delivery.deliver_one(delivery_id=delivery_id)
    except delivery.DeliveryFailed as failure:
        raise self.retry(exc=failure, countdown=failure.retry_in) from failure


@shared_task(acks_late=True)
def relay_outbox() -> int:
    """Queue again the deliveries whose message was never published or was lost (the outbox relay)."""
    ids = delivery.claim_stale()
    for delivery_id in ids:
        queue_delivery(delivery_id)
    if ids:
        logger.info("Outbox relay queued %s deliveries", len(ids))
    return len(ids)


def queue_delivery(delivery_id: int) -> None:
    """Publish one delivery; a broker outage is logged, never raised, because the relay sends it later."""
    global _publish_paused_until
    if time.monotonic() < _publish_paused_until:
        return
    try:
        deliver.delay(delivery_id)
    except OperationalError:  # the broker is down or hanging (kombu wraps the redis and socket errors)
        if not deliver.app.conf.task_always_eager:  # an eager run publishes nothing: nothing to pause
            _publish_paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS
        logger.exception("Could not queue delivery %s (publishing paused for %s s); the outbox relay will retry it",
                         delivery_id, PUBLISH_PAUSE_SECONDS)
    except Exception:  # an eager run's failure, or anything else: never the caller's
        logger.exception("Could not queue delivery %s; the outbox relay will retry it", delivery_id)
