"""Alert the security administrators to a burst of refused requests or failed logins.

Run by every due sweep (workflows.sweeps): one grouped count over the audit rows of the last window, so the cost
stays bounded whatever the log's size. At most one alert per window (``TONGXIN_ALERT_WINDOW_MINUTES``): its
notification key and its ``security_alert`` audit row are named after the window, so a second sweep, or two at
once, add nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import notify

from . import audit
from .models import AuditEvent

logger = logging.getLogger(__name__)

WATCHED = ("access_denied", "auth.login_failed")
ACTION = "security_alert"
SECURITY_ADMIN_GROUP = "sec_admin"
# The addresses listed in one alert (the busiest first).
MAX_ADDRESSES = 20

audit.ACTION_LABELS[ACTION] = gettext_lazy("安全告警")


def security_admins():
    """Active members of the security administrators' role; the superusers while nobody holds it."""
    users = get_user_model().objects.filter(is_active=True)
    holders = list(users.filter(groups__name=SECURITY_ADMIN_GROUP).distinct())
    return holders or list(users.filter(is_superuser=True))


def check(*, now=None) -> AuditEvent | None:
    """Alert once if, in the last window, one address or all of them together reached the threshold."""
    threshold = settings.TONGXIN_ALERT_THRESHOLD
    minutes = settings.TONGXIN_ALERT_WINDOW_MINUTES
    if threshold <= 0 or minutes <= 0:
        return None
    now = now or timezone.now()
    window = timedelta(minutes=minutes)
    since = now - window
    per_address = list(
        AuditEvent.objects.filter(action__in=WATCHED, at__gt=since, at__lte=now)
        .values("ip_address").annotate(count=Count("id")).order_by("-count")
    )
    total = sum(row["count"] for row in per_address)
    hot = [row for row in per_address if row["count"] >= threshold and row["ip_address"]]
    if total < threshold:
        return None
    slot = int(now.timestamp() // window.total_seconds())
    key = f"security-alert-{slot}"
    return _alert(key=key, minutes=minutes, total=total, hot=hot[:MAX_ADDRESSES], threshold=threshold)


def _alert(*, key: str, minutes: int, total: int, hot: list[dict], threshold: int) -> AuditEvent | None:
    addresses = ", ".join("%s (%s)" % (row["ip_address"], row["count"]) for row in hot)
    title = _("安全告警：%(minutes)s 分钟内 %(total)s 次拒绝访问或登录失败") % {"minutes": minutes, "total": total}
    body = (_("来源地址：%(addresses)s") % {"addresses": addresses}) if addresses else _("来自多个来源地址。")
    with transaction.atomic():
        if AuditEvent.objects.filter(action=ACTION, comment=key).exists():
            return None
        recipients = security_admins()
        created = notify(recipients=recipients, key=key, title=title, body=body,
                         link=reverse("admin:workflows_auditevent_changelist") + "?action=access_denied")
        if recipients and not created:
            return None  # another sweep alerted for this window a moment ago
        if not recipients:
            logger.warning("Security alert with no security administrator or superuser to notify: %s", title)
        return audit.record(
            subject=None, action=ACTION, comment=key,
            changes={"total": total, "threshold": threshold, "minutes": minutes,
                     "addresses": {row["ip_address"]: row["count"] for row in hot},
                     "notified": [user.get_username() for user in recipients]},
        )
