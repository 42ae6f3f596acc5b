"""Keep the calendar cache and provisional deadlines in step with calendar edits, and seed every new database."""

from django.apps import apps as global_apps
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import calendar, due
from .models import CalendarDay, CalendarYear


@receiver([post_save, post_delete], sender=CalendarDay)
@receiver([post_save, post_delete], sender=CalendarYear)
def calendar_changed(sender, *, using, **kwargs):
    calendar.forget(using=using)
    # DOMAIN §6: after a calendar edit, recompute the deadlines not yet due (and the provisional ones).
    transaction.on_commit(due.recompute_open, using=using, robust=True)


def seed_calendar(sender, *, using, apps=global_apps, **kwargs):
    """Give every migrated (or flushed) database, test databases included, the packaged national calendar."""
    if using != DEFAULT_DB_ALIAS:
        return
    try:
        apps.get_model("workflows", "CalendarYear")
    except LookupError:
        # Migrated back past the calendar tables.
        return
    call_command("seed_calendar", verbosity=0)
