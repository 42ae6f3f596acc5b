"""Celery adapters for the outbox: load by id, call :mod:`notifications.delivery`, own the retry policy."""

import logging

from celery import shared_task

from . import delivery

logger = logging.getLogger(__name__)


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
    try:
        deliver.delay(delivery_id)
    except Exception:  # kombu OperationalError, redis errors, or an eager run's failure: never the caller's
        logger.exception("Could not queue delivery %s; the outbox relay will retry it", delivery_id)
