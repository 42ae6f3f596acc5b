"""Health for load balancers and monitors: the database, the broker, the age of beat's tick and of the last sweep,
and the outbox waiting to be sent.

``/health/`` answers 200 while the database answers (a load balancer keeps the node), 503 otherwise;
``/health/?strict=1`` answers 503 when anything is wrong (a monitor alerts). The body lists each check.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from notifications.models import Delivery

from . import access
from .models import Heartbeat

BEAT, SWEEP = "beat", "sweep"


def beat(name: str) -> None:
    """Record that a periodic job ran now (one upsert)."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def _timed(check):
    started = time.monotonic()
    try:
        result = check()
    except Exception as error:  # noqa: BLE001 - any failure of a dependency is the answer, not a crash
        return {"ok": False, "error": type(error).__name__, "ms": round((time.monotonic() - started) * 1000, 1)}
    return {"ok": True, **(result or {}), "ms": round((time.monotonic() - started) * 1000, 1)}


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker():
    with Connection(settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                    connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _age(name: str, limit: timedelta):
    def check():
        row = Heartbeat.objects.filter(name=name).first()
        if row is None:
            raise LookupError("never ran")
        age = timezone.now() - row.at
        if age > limit:
            raise TimeoutError(f"last ran {int(age.total_seconds())} s ago")
        return {"age_seconds": int(age.total_seconds())}
    return check


def _outbox():
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    oldest = pending.aggregate(oldest=Min("created"))["oldest"]
    age = int((timezone.now() - oldest).total_seconds()) if oldest else 0
    if age > settings.TONGXIN_HEALTH_OUTBOX_MAX_AGE:
        raise TimeoutError(f"oldest pending delivery {age} s old")
    return {"pending": pending.count(), "oldest_seconds": age}


def report() -> tuple[bool, bool, dict]:
    """(database ok, everything ok, the checks)."""
    stale = timedelta(seconds=settings.TONGXIN_HEALTH_STALE_SECONDS)
    checks = {"database": _timed(_database)}
    if checks["database"]["ok"]:
        checks.update({"beat": _timed(_age(BEAT, stale)), "sweep": _timed(_age(SWEEP, stale)),
                       "outbox": _timed(_outbox)})
    checks["broker"] = _timed(_broker)
    return checks["database"]["ok"], all(check["ok"] for check in checks.values()), checks


@access.rule(access.PUBLIC)
@never_cache
@require_GET
def health(request):
    database_ok, all_ok, checks = report()
    strict = request.GET.get("strict") == "1"
    healthy = all_ok if strict else database_ok
    return JsonResponse({"status": "ok" if all_ok else ("degraded" if database_ok else "fail"), "checks": checks},
                        status=200 if healthy else 503)
