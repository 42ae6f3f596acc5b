"""A case's one state: its status field, moved only through the transitions its lifecycle declares (viewflow.fsm).

Each domain app writes the legal skeleton of a process as one :class:`Lifecycle` subclass in its ``lifecycle.py``:
the states are the status choices, every transition names its sources and target and cites DOMAIN.md. Services
move a case with :func:`move`, inside their transaction and after locking the case row; a case no longer in a
source state is a :class:`StaleStateError` (someone acted first), never a silent overwrite. See workflows/README.md,
"One state per case".
"""

from django.db import models
from viewflow import fsm

from . import audit
from .errors import StaleStateError
from .models import AuditEvent


def state(choices: type[models.TextChoices], *, default, field: str = "status") -> fsm.State:
    """An fsm state stored in the wrapped case's ``field``."""
    slot = fsm.State(choices, default=default)
    slot.getter()(lambda lifecycle: getattr(lifecycle.case, field))
    slot.setter()(lambda lifecycle, value: setattr(lifecycle.case, field, value))
    return slot


class Lifecycle:
    """Wraps one case row; subclasses declare ``status = state(...)`` and its transitions."""

    field = "status"

    def __init__(self, case: models.Model):
        self.case = case

    @classmethod
    def may(cls, case: models.Model, transition: str) -> bool:
        """Whether the case's state allows ``transition`` now (the pages' "may I" flags read this)."""
        return getattr(cls(case), transition).can_proceed()


def move(lifecycle: Lifecycle, transition: str, *, actor, action: str, comment: str = "", changes=None,
         extra_fields=(), on_behalf_of=None, **kwargs) -> AuditEvent:
    """Run one transition on a locked case, save its status and write the audit row, in the caller's transaction.

    Returns the audit row: the event that notification keys derive from."""
    case = lifecycle.case
    old = getattr(case, lifecycle.field)
    try:
        getattr(lifecycle, transition)(**kwargs)
    except fsm.TransitionNotAllowed as error:
        raise StaleStateError("stale_state") from error
    fields = [lifecycle.field, *extra_fields]
    if any(field.name == "updated" for field in case._meta.concrete_fields):
        fields.append("updated")
    case.save(update_fields=fields)
    return audit.record(subject=case, actor=actor, action=action, from_state=old,
                        to_state=getattr(case, lifecycle.field), comment=comment, changes=changes,
                        on_behalf_of=on_behalf_of)
