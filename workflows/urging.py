"""Who may 催办 a due item: each domain app says so for its own cases, in a module named ``urging``.

:func:`workflows.reminders.urge` leaves that check to its caller ("staff, or the case's applicant"). The engine
knows due items, not proposals or nominations, so a domain app registers one rule per case model from its
``<app>/urging.py`` (found the way Django finds ``admin`` modules). Case pages ask :func:`may_urge_case` to offer
the button; the 催办 view asks :func:`may_urge` again on every POST. No rule, no 催办.
"""

from collections.abc import Callable

from django.db.models import Model
from django.utils.module_loading import autodiscover_modules

from . import subjects
from .chains import spec_for
from .models import DueItem, StageTask

Rule = Callable[[object, Model], bool]  # (user, case) -> may urge

_rules: dict[str, Rule] = {}
_discovered = False


def register(model_label: str, rule: Rule) -> None:
    """``rule(user, case)`` decides for every due item whose case is a ``model_label`` ("app.model")."""
    _rules[model_label.lower()] = rule


def _rule(model) -> Rule | None:
    global _discovered
    if not _discovered:
        autodiscover_modules("urging")
        _discovered = True
    return _rules.get(model._meta.label_lower)


def case_of(item: DueItem) -> Model | None:
    """The case an item belongs to: a stage task's case, an assignment's proposal, or the subject itself."""
    subject = item.subject
    if subject is None:
        return None
    if isinstance(subject, StageTask):
        run = subject.run
        case = run.subject
        return spec_for(run.slot.code).timeline_subject(case) if case is not None else None
    return subjects.resolve(item).timeline_subject or subject


def may_urge_case(user, case: Model | None) -> bool:
    """Whether ``user`` may urge the due items of ``case`` (the registered rule of its model)."""
    if case is None or not user.is_authenticated or not user.is_active:
        return False
    rule = _rule(type(case))
    return bool(rule is not None and rule(user, case))


def may_urge(user, item: DueItem) -> bool:
    """Whether ``user`` may urge ``item``, read from its case; whether it is still open is the service's to say."""
    return may_urge_case(user, case_of(item))
