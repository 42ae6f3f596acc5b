"""Log lines an operator can search: time (Asia/Shanghai, with offset), level, logger, request id, user, message.

``RequestContextMiddleware`` (config.request_context) puts the current request in a context variable; the filter
adds its id and user to every record logged while it is served (Celery tasks log "-").
"""

import json
import logging
import logging.handlers
import os
from datetime import datetime

from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty

from .request_context import current_request, request_id


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() or "-"
        user = getattr(current_request(), "user", None)
        # A user not loaded yet stays unloaded: logging must not query the database (and log again).
        if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
            user = None
        record.user = user.get_username() if user is not None and user.is_authenticated else "-"
        return True


class StructuredFormatter(logging.Formatter):
    def __init__(self, *args, json: bool = False, **kwargs):  # noqa: A002 - the LOGGING key
        super().__init__(*args, **kwargs)
        self.as_json = json

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        moment = datetime.fromtimestamp(record.created, tz=timezone.get_default_timezone())
        return moment.isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        fields = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "user": getattr(record, "user", "-"),
            "message": message,
        }
        if self.as_json:
            return json.dumps(fields, ensure_ascii=False)
        # Newlines inside a message (a traceback, user input) are escaped so one record stays one line.
        return "{time} {level} {logger} request={request_id} user={user} {message}".format(
            **{**fields, "message": fields["message"].replace("\n", "\\n")})


class AuditFileHandler(logging.handlers.WatchedFileHandler):
    """The audit export file: opened for appending only, readable by the service's user alone (0600); reopened
    when logrotate moves it. Make it append-only on disk too (``chattr +a``), so not even this user can rewrite it."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return open(fd, "a", encoding=self.encoding or "utf-8", errors=self.errors)  # noqa: SIM115 - logging closes it


class AuditLineFormatter(logging.Formatter):
    """The audit line alone (it is JSON already), with a tag for syslog."""

    def __init__(self, *args, prefix: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix = prefix

    def format(self, record: logging.LogRecord) -> str:
        return self.prefix + record.getMessage().replace("\n", "\\n")


def audit_export(target: str) -> tuple[dict, dict, dict]:
    """LOGGING parts (formatters, handlers, loggers) that send each committed audit row to ``target``.

    ``target`` (``TONGXIN_AUDIT_LOG``): empty for no export, an absolute path for an append-only file, ``syslog``
    for the local syslog socket, or ``syslog://host:port`` for a remote collector over UDP.
    """
    logger = {"handlers": [], "level": "INFO", "propagate": False}
    if not target:
        return {}, {}, {"tongxin.audit": logger}
    facility = os.environ.get("TONGXIN_AUDIT_SYSLOG_FACILITY", "authpriv")
    if target == "syslog" or target.startswith("syslog://"):
        if target == "syslog":
            address = "/dev/log" if os.path.exists("/dev/log") else ("localhost", 514)
        else:
            host, _, port = target.removeprefix("syslog://").rpartition(":")
            address = (host, int(port or 514))
        handler = {"class": "logging.handlers.SysLogHandler", "address": address, "facility": facility,
                   "formatter": "audit"}
        formatter = {"()": "config.logging.AuditLineFormatter", "prefix": "tongxin-audit: "}
    else:
        if not os.path.isabs(target):
            raise ValueError("TONGXIN_AUDIT_LOG must be an absolute path, syslog or syslog://host:port.")
        handler = {"()": "config.logging.AuditFileHandler", "filename": target, "delay": True, "formatter": "audit"}
        formatter = {"()": "config.logging.AuditLineFormatter"}
    logger["handlers"] = ["audit_export"]
    return {"audit": formatter}, {"audit_export": handler}, {"tongxin.audit": logger}
