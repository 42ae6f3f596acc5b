"""The request being served, for log lines: an id (the proxy's ``X-Request-ID`` when it is sane, else a new one),
echoed in the response so a user's report can be matched to the log."""

import re
import uuid
from contextvars import ContextVar

_request: ContextVar = ContextVar("tongxin_request", default=None)
_request_id: ContextVar[str] = ContextVar("tongxin_request_id", default="")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request():
    return _request.get()


def request_id() -> str:
    return _request_id.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex[:16]
        request_token, id_token = _request.set(request), _request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(request_token)
            _request_id.reset(id_token)
        response["X-Request-ID"] = rid
        return response
