"""Access plumbing shared by the domain apps.

Each domain app keeps ONE module (``<app>/access.py``) that decides who sees its cases from roles, units and the
explicit grants below. Every URL pattern carries an ``access_rule`` (set with :func:`rule`), and a test walks all
patterns to prove none is missing and that out-of-scope objects answer 404 with an audit row.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from . import audit
from .models import AccessGrant

PUBLIC = "public"  # anyone, e.g. the published replies
AUTHENTICATED = "authenticated"  # any signed-in user, only their own data
OBJECT = "object"  # one case object, checked by the app's access module (denials audited)
ROLE = "role"  # a role-restricted page (staff lists, statistics)
ENGINE = "engine"  # viewflow's and Django's own views, which check their own permissions


def rule(kind: str):
    """Mark a view function or class with its access rule."""

    def decorate(view):
        view.access_rule = kind
        return view

    return decorate


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ``TONGXIN_TRUSTED_PROXIES`` reverse proxies the address the
    outermost trusted proxy saw (X-Forwarded-For is read from the right, so a client cannot forge its own)."""
    from django.conf import settings

    proxies = settings.TONGXIN_TRUSTED_PROXIES
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies][:45]
    return request.META.get("REMOTE_ADDR") or None


def deny(request, *, subject=None, reason: str = "") -> Http404:
    """Record a refused access attempt and return the 404 to raise (we never reveal whether an object exists)."""
    audit.record(
        subject=subject,
        action="access_denied",
        actor=request.user if request.user.is_authenticated else None,
        comment=f"{request.method} {request.path} {reason}".strip()[:500],
        ip_address=client_ip(request),
    )
    return Http404()


def forbid(request, *, subject=None, reason: str = "") -> PermissionDenied:
    """Record a refused action on an object the user may see, and return the 403 to raise."""
    deny(request, subject=subject, reason=reason)
    return PermissionDenied(reason)


def grant(*, user, subject, kind: str = AccessGrant.Kind.READ, granted_by=None, reason: str = "", valid_from=None,
          valid_until=None) -> AccessGrant:
    grant_row, _created = AccessGrant.objects.update_or_create(
        user=user,
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=str(subject.pk),
        kind=kind,
        defaults={"granted_by": granted_by, "reason": reason, "valid_from": valid_from, "valid_until": valid_until},
    )
    return grant_row


def _current_grants(user, model, kinds=None):
    now = timezone.now()
    grants = AccessGrant.objects.filter(
        user=user, subject_type=ContentType.objects.get_for_model(model, for_concrete_model=False)
    ).filter(Q(valid_from__isnull=True) | Q(valid_from__lte=now), Q(valid_until__isnull=True) | Q(valid_until__gt=now))
    if kinds:
        grants = grants.filter(kind__in=kinds)
    return grants


def grant_exists(user, model, kinds=None) -> Exists:
    """An ``Exists`` to filter ``model`` rows by a current grant of the user (ids are stored as text)."""
    return Exists(_current_grants(user, model, kinds).filter(subject_id=Cast(OuterRef("pk"), CharField())))


def has_grant(user, obj, kinds=None) -> bool:
    if not user.is_authenticated:
        return False
    return _current_grants(user, type(obj), kinds).filter(subject_id=str(obj.pk)).exists()
