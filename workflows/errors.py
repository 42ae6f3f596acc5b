"""Stable error codes with Chinese messages, raised by services and shown by views (and a later API)."""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A refused state change. ``code`` is stable for tests and the API; ``message`` is for people."""

    status_code = 400

    def __init__(self, code: str, message=None, *, field: str | None = None, params: dict | None = None):
        self.code = code
        template = message if message is not None else MESSAGES.get(code, code)
        self.message = str(template) % params if params else str(template)
        self.field = field
        super().__init__(f"{code}: {self.message}")


class PermissionDeniedError(ServiceError):
    status_code = 403


class StaleStateError(ServiceError):
    """Someone acted first: the case is no longer in the state this action needs."""

    status_code = 409


MESSAGES = {
    "permission_denied": _("您无权执行此操作。"),
    "stale_state": _("该事项已被他人处理或状态已变化，请刷新后查看最新情况。"),
    "invalid": _("提交的内容有误，请检查后重试。"),
    "lock_busy": _("该事项正在被他人处理，请稍后重试。"),
}
