"""Stable error codes with Chinese messages, raised by services and shown by views (and a later API).

Codes are namespaced per app: each app registers its own table once (``register``) and raises its own subclass of
:class:`ServiceError` whose ``namespace`` names the table, so two apps can use the same short code without one
silently replacing the other's message. Registering a namespace twice, or a code the engine already defines, fails
at start-up.
"""

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

ENGINE = "workflows"

_TABLES: dict[str, dict[str, str]] = {
    ENGINE: {
        "permission_denied": _("您无权执行此操作。"),
        "stale_state": _("该事项已被他人处理或状态已变化，请刷新后查看最新情况。"),
        "invalid": _("提交的内容有误，请检查后重试。"),
        "lock_busy": _("该事项正在被他人处理，请稍后重试。"),
        "due_closed": _("该事项已办结，无需催办。"),
        "urge_too_soon": _("您已催办过该事项，%(next)s 后可再次催办。"),
        "urge_nobody": _("该事项暂无承办人可催办。"),
    }
}


def register(namespace: str, messages: dict[str, str]) -> dict[str, str]:
    """Declare an app's error table; a second table for the namespace or a code shadowing the engine's fails."""
    if namespace in _TABLES:
        raise ImproperlyConfigured(f"Error namespace {namespace!r} is registered twice.")
    shadowed = sorted(set(messages) & set(_TABLES[ENGINE]))
    if shadowed:
        raise ImproperlyConfigured(f"{namespace} redefines the engine's error codes {shadowed}.")
    _TABLES[namespace] = dict(messages)
    return _TABLES[namespace]


def message_for(namespace: str, code: str) -> str:
    table = _TABLES.get(namespace, {})
    if code in table:
        return table[code]
    return _TABLES[ENGINE].get(code, code)


class ServiceError(Exception):
    """A refused state change. ``code`` is stable for tests and the API; ``message`` is for people."""

    status_code = 400
    namespace = ENGINE

    def __init__(self, code: str, message=None, *, field: str | None = None, params: dict | None = None):
        self.code = code
        template = message if message is not None else message_for(self.namespace, code)
        self.message = str(template) % params if params else str(template)
        self.field = field
        super().__init__(f"{self.namespace}.{code}: {self.message}")


class PermissionDeniedError(ServiceError):
    status_code = 403


class StaleStateError(ServiceError):
    """Someone acted first: the case is no longer in the state this action needs."""

    status_code = 409
