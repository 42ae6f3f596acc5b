"""Log lines an operator can search: time (Asia/Shanghai, with offset), level, logger, request id, user, message.

``RequestContextMiddleware`` (config.request_context) puts the current request in a context variable; the filter
adds its id and user to every record logged while it is served (Celery tasks log "-").
"""

import json
import logging
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
