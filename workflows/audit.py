"""The one audit table: every service writes here through :func:`record`; timelines read from it."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent

# Each app registers the labels of its actions (code -> lazy Chinese label) for timelines.
ACTION_LABELS: dict[str, str] = {}
# Security rows stay in the audit log (Django admin) and off the case timelines everybody on the case reads:
# a refused attempt says nothing about the case, and who probed it is not the applicant's business.
OFF_TIMELINE = ("access_denied",)


def label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def record(
    *,
    subject: models.Model | None,
    action: str,
    actor=None,
    on_behalf_of=None,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    changes: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit row (inside the caller's transaction, so it commits or rolls back with the change)."""
    return AuditEvent.objects.create(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False) if subject is not None else None,
        subject_id=str(subject.pk) if subject is not None else "",
        subject_label=str(subject)[:200] if subject is not None else "",
        actor=actor if actor is not None and actor.is_authenticated else None,
        on_behalf_of=on_behalf_of,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        changes=changes or {},
        ip_address=ip_address,
    )


def timeline(subject: models.Model):
    """The audit rows of one subject, oldest first, with actors loaded (a fixed number of queries)."""
    return (
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
            subject_id=str(subject.pk),
        )
        .exclude(action__in=OFF_TIMELINE)
        .select_related("actor", "on_behalf_of")
        .order_by("at", "pk")
    )
