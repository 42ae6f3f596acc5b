"""The one audit table: every service writes here through :func:`record`; timelines read from it.

Each row is sealed into a hash chain (workflows/audit_chain.py) and, once committed, also written as one JSON line
to the ``tongxin.audit`` logger, which config/logging.py sends to an append-only file or syslog
(``TONGXIN_AUDIT_LOG``) for a copy the database's owner cannot rewrite.
"""

import json
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from config.request_context import current_request

from .models import AuditEvent

export_logger = logging.getLogger("tongxin.audit")
# Ids written on this connection whose export waits for the commit; ids of rolled-back rows are simply not found.
_PENDING = "tongxin_audit_pending"
_PENDING_MAX = 10_000

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
    """Append one audit row (inside the caller's transaction, so it commits or rolls back with the change).

    Without an ``ip_address`` the row gets the address of the request being served, if any (Celery rows have none).
    """
    if ip_address is None:
        request = current_request()
        if request is not None:
            from .access import client_ip

            ip_address = client_ip(request)
    if connection.vendor == "sqlite":
        # PostgreSQL seals rows itself at commit; SQLite's one writer seals in the inserting transaction.
        from .audit_chain import seal_sqlite

        with transaction.atomic():
            event = _create(subject=subject, action=action, actor=actor, on_behalf_of=on_behalf_of,
                            from_state=from_state, to_state=to_state, comment=comment, changes=changes,
                            ip_address=ip_address)
            seal_sqlite(event.pk)
    else:
        event = _create(subject=subject, action=action, actor=actor, on_behalf_of=on_behalf_of,
                        from_state=from_state, to_state=to_state, comment=comment, changes=changes,
                        ip_address=ip_address)
    if export_logger.hasHandlers():
        pending = getattr(connection, _PENDING, None)
        if pending is None or len(pending) > _PENDING_MAX:
            pending = []
            setattr(connection, _PENDING, pending)
        pending.append(event.pk)
        transaction.on_commit(export_committed)
    return event


def record_many(entries) -> list[AuditEvent]:
    """Append many audit rows in one INSERT: :func:`record`'s semantics (request address, export after commit).

    ``entries`` are dicts of :func:`record`'s keyword arguments. On PostgreSQL the deferred trigger seals the rows
    into the chain at commit, in insert order; SQLite seals each row as :func:`record` does.
    """
    entries = list(entries)
    if not entries:
        return []
    default_ip = None
    request = current_request()
    if request is not None:
        from .access import client_ip

        default_ip = client_ip(request)
    if connection.vendor == "sqlite":
        return [record(**{"ip_address": default_ip, **entry}) for entry in entries]
    events = AuditEvent.objects.bulk_create([
        _event(**{"actor": None, "on_behalf_of": None, "from_state": "", "to_state": "", "comment": "",
                  "changes": None, "ip_address": default_ip, **entry})
        for entry in entries
    ])
    if export_logger.hasHandlers():
        pending = getattr(connection, _PENDING, None)
        if pending is None or len(pending) + len(events) > _PENDING_MAX:
            pending = []
            setattr(connection, _PENDING, pending)
        pending.extend(event.pk for event in events)
        transaction.on_commit(export_committed)
    return events


def _create(**values):
    event = _event(**values)
    event.save(force_insert=True)
    return event


def _event(*, subject, action, actor, on_behalf_of, from_state, to_state, comment, changes, ip_address):
    return AuditEvent(
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


def export_committed() -> None:
    """Write the rows this connection committed as JSON lines to ``tongxin.audit`` (one query per transaction)."""
    pending = getattr(connection, _PENDING, None)
    if not pending:
        return
    ids = list(pending)
    pending.clear()
    try:
        rows = list(
            AuditEvent.objects.filter(pk__in=ids).select_related("subject_type", "actor", "on_behalf_of")
            .order_by("chain_seq", "pk")
        )
    except Exception:  # the database went away after the commit: the rows are safe there, say so and go on
        export_logger.exception("Audit export failed for %s rows (ids %s..%s).", len(ids), min(ids), max(ids))
        return
    for event in rows:
        export_logger.info(json.dumps(export_line(event), ensure_ascii=False, default=str))


def export_line(event: AuditEvent) -> dict:
    subject_type = event.subject_type
    return {
        "seq": event.chain_seq,
        "hash": event.chain_hash,
        "id": event.pk,
        "at": event.at.isoformat(),
        "recorded_at": event.recorded_at.isoformat() if event.recorded_at else None,
        "action": event.action,
        "subject_type": f"{subject_type.app_label}.{subject_type.model}" if subject_type else None,
        "subject_id": event.subject_id,
        "subject": event.subject_label,
        "actor": event.actor.get_username() if event.actor else None,
        "actor_id": event.actor_id,
        "on_behalf_of": event.on_behalf_of.get_username() if event.on_behalf_of else None,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "comment": event.comment,
        "changes": event.changes,
        "ip": event.ip_address,
    }


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
