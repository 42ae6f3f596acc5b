"""Where a POST goes back to: the form's ``next`` when it is a path on this site, else the caller's default."""

from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def local_path(candidate: str) -> str:
    """``candidate`` if it is a path on this site (never another host, a scheme or a view name), else ""."""
    if not candidate.startswith("/") or candidate.startswith("//") or "\ufffd" in candidate:
        return ""
    return candidate if url_has_allowed_host_and_scheme(candidate, allowed_hosts=None) else ""


def back(request, default) -> HttpResponseRedirect:
    """Redirect to the submitted ``next`` path, else to ``default`` (a URL, a view name or a model)."""
    return HttpResponseRedirect(local_path(request.POST.get("next", "")) or resolve_url(default))
