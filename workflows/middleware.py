from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from . import locks
from .errors import StaleStateError, message_for


class DefaultLanguageMiddleware:
    """Serve Chinese whatever the browser's Accept-Language says; only an explicit choice (cookie) changes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META["HTTP_ACCEPT_LANGUAGE"] = settings.LANGUAGE_CODE
        return self.get_response(request)


class StaleStateMiddleware:
    """Answer a lost race that escapes a view with "someone acted first" on the page the user came from, never a 500.

    A lost race is a ``StaleStateError`` or a database error ``locks.lost_race`` recognises (a deadlock or
    serialization failure the transaction could not retry). The transaction has rolled back by the time the
    exception reaches here; the user is sent back (303) to the referring page of this site, else the 工作台.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, StaleStateError) and not (
            isinstance(exception, DatabaseError) and locks.lost_race(exception)
        ):
            return None
        messages.error(request, message_for("workflows", "stale_state"))
        target = request.META.get("HTTP_REFERER", "")
        same_site = target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                               require_https=request.is_secure())
        # Never back to the page that failed on a GET: it would fail again.
        if not same_site or (request.method in ("GET", "HEAD") and _path(target) == request.path):
            target = reverse("workflows:home")
        response = HttpResponseRedirect(target)
        response.status_code = 303
        return response


def _path(url: str) -> str:
    return urlsplit(url).path
