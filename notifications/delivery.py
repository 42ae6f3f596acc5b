"""The worker side of the outbox: send one delivery, and find the ones whose message was lost.

External sends are at-least-once with a dedupe key (RELIABILITY §c): the row lock and the status check stop a
second send after a recorded success, and the e-mail Message-ID lets receivers drop the copy a crash between
sending and committing can cause. The retry ceiling lives in the row (``attempts``), so it survives redelivery.
"""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import channels
from .models import Delivery

logger = logging.getLogger(__name__)

# Defaults; the settings of the same names with a TONGXIN_DELIVERY_ prefix (and TONGXIN_RELAY_AFTER, in
# seconds) override them, e.g. for the fault-injection tests, which cannot wait minutes for a backoff.
MAX_ATTEMPTS = 8
BACKOFF_BASE = 2  # seconds before the first retry
# Below the broker's 600 s visibility_timeout, or Redis would hand a waiting retry to a second worker.
BACKOFF_MAX = 480
RELAY_AFTER = timedelta(seconds=60)
RELAY_BATCH = 500


def max_attempts() -> int:
    return getattr(settings, "TONGXIN_DELIVERY_MAX_ATTEMPTS", MAX_ATTEMPTS)


def relay_after() -> timedelta:
    seconds = getattr(settings, "TONGXIN_RELAY_AFTER", None)
    return RELAY_AFTER if seconds is None else timedelta(seconds=seconds)


class DeliveryFailed(Exception):
    """A send failed and will be tried again after ``retry_in`` seconds."""

    def __init__(self, *, delivery_id: int, attempts: int, retry_in: float, error: str):
        super().__init__(f"delivery {delivery_id} attempt {attempts} failed: {error}")
        self.retry_in = retry_in


def retry_delay(*, attempts: int) -> float:
    """Seconds to wait after the given number of failed attempts: exponential (×3), capped, jittered."""
    base = getattr(settings, "TONGXIN_DELIVERY_BACKOFF_BASE", BACKOFF_BASE)
    cap = getattr(settings, "TONGXIN_DELIVERY_BACKOFF_MAX", BACKOFF_MAX)
    ceiling = min(cap, base * 3 ** (attempts - 1))
    return random.uniform(ceiling / 2, ceiling)  # nosec B311  # retry jitter, not a secret


def deliver_one(*, delivery_id: int) -> bool:
    """Send one pending delivery; return True if this call sent it.

    Every try is counted on the row. After a failure, while attempts remain, it raises :class:`DeliveryFailed`
    (once the count has committed); the last failure marks the row FAILED instead.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__recipient", "broadcast", "endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return False
        try:
            channel = channels.get(delivery.channel)
            if not _still_wanted(delivery, channel):
                delivery.status = Delivery.Status.SKIPPED
                delivery.save(update_fields=["status"])
                return False
            channel.send(delivery)
        except Exception as exc:  # any channel error is a failed attempt, never a lost delivery
            retry_in = _count_failure(delivery, exc)
        else:
            delivery.attempts += 1
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])
            return True
    if retry_in is None:
        return False
    raise DeliveryFailed(
        delivery_id=delivery.pk, attempts=delivery.attempts, retry_in=retry_in, error=delivery.last_error
    )


def _still_wanted(delivery: Delivery, channel) -> bool:
    """A person may have been deactivated or have switched the channel off; a robot may have been disabled."""
    if delivery.broadcast_id:
        return delivery.endpoint.is_active
    recipient = delivery.notification.recipient
    return recipient.is_active and channel.available_for(recipient)


def _count_failure(delivery: Delivery, exc: Exception) -> float | None:
    """Record a failed attempt; return the seconds until the retry, or None once the delivery is FAILED."""
    delivery.attempts += 1
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if delivery.attempts >= max_attempts():
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
        retry_in = None
        logger.error("Delivery %s failed after %s attempts: %s", delivery.pk, delivery.attempts, delivery.last_error)
    else:
        retry_in = retry_delay(attempts=delivery.attempts)
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
        logger.warning(
            "Delivery %s attempt %s failed, retrying in %.1f s: %s",
            delivery.pk,
            delivery.attempts,
            retry_in,
            delivery.last_error,
        )
    delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    return retry_in


def claim_stale(*, batch: int = RELAY_BATCH) -> list[int]:
    """Claim pending deliveries nobody has queued for a minute and return their ids, oldest first.

    Claiming pushes ``next_attempt_at`` a minute on, so a second relay running at the same time (it skips the
    locked rows) or one minute later does not queue them again. Rows being sent are locked and skipped too.
    """
    now = timezone.now()
    cutoff = now - relay_after()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.PENDING, created__lt=cutoff)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff))
            .order_by("created", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
    return ids
