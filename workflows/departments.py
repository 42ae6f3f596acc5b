"""Which department a user works for, as the domain apps tell it (the engine knows no departments of its own).

A domain app registers a callable ``user -> frozenset[str]`` (department codes) with :func:`register`; the engine
asks :func:`departments_of`, the union over every registered callable. Used by the 委托 rule
(``TONGXIN_DELEGATION_SAME_DEPARTMENT``, see ``workflows.stages.delegation_create``).
"""

from collections.abc import Callable

DEPARTMENT_RESOLVERS: dict[str, Callable] = {}
DEPARTMENT_LABELS: dict[str, str] = {}


def register(name: str, resolver: Callable, labels: dict | None = None) -> None:
    """Register (or replace) one app's resolver under ``name``, with the labels of its department codes."""
    DEPARTMENT_RESOLVERS[name] = resolver
    DEPARTMENT_LABELS.update(labels or {})


def departments_of(user) -> frozenset[str]:
    found: set[str] = set()
    for resolver in DEPARTMENT_RESOLVERS.values():
        found.update(resolver(user))
    return frozenset(found)


def label(code: str) -> str:
    return str(DEPARTMENT_LABELS.get(code, code))
