"""Celery adapters for the periodic work of the engine; each task only calls a function and reports.

Beat triggers them; the database says what is due, so a lost, doubled or redelivered trigger changes nothing.
"""

import logging

from celery import shared_task

from . import health, reminders, sweeps

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def sweep_due_items() -> int:
    """Send the reminders and escalations that have come due, and run due automatic actions."""
    result = sweeps.sweep()
    health.beat(health.SWEEP)
    if result.total_fired or result.errors:
        logger.info("Due sweep: %s items, fired %s, errors %s", result.items, dict(result.fired), result.errors)
    return result.total_fired


@shared_task(acks_late=True)
def heartbeat() -> None:
    """Beat's own tick, run by a worker: its age on /health/ shows that beat and the workers are alive."""
    health.beat(health.BEAT)


@shared_task(acks_late=True)
def daily_digest() -> int:
    """The 08:30 digest of each holder's items due soon or overdue; nothing on a rest day."""
    return reminders.send_digest()
