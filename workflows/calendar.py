"""The working-day calendar: which days are working days, and when a deadline falls (DOMAIN §6).

Monday to Friday are working days unless a ``CalendarDay`` row says otherwise (a holiday on a weekday, a make-up
working day on a weekend); a regional row overrides the national one for its date. A year counts only once its
national ``CalendarYear`` row exists: until then its days are plain weekdays, every deadline reaching it is
provisional and the administrators are alerted.
"""

import logging
import threading
import time as clock
from calendar import monthrange
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarDay, CalendarYear, DeadlineRule

logger = logging.getLogger(__name__)

# Deadlines follow the statutory calendar of mainland China whatever zone the server or the user is in.
CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
ONE_DAY = timedelta(days=1)
# Other processes learn of a calendar edit within this time; this process learns at once through the signals.
CACHE_SECONDS = 60


class DueDate(NamedTuple):
    due_at: datetime
    provisional: bool


class _Year(NamedTuple):
    known: bool
    overrides: dict[date, bool]  # date -> is a working day
    loaded_at: float


_cache: dict[tuple[int, str], _Year] = {}
_local = threading.local()
# Years whose "not entered" alert this process has seen sent: the alert's key makes any later one a no-op, so it is
# not attempted again for every deadline that reaches the year (a read and a transaction each time).
_alerted: set[int] = set()


def clear_cache() -> None:
    """Forget every cached year; the caller knows that no calendar write is pending."""
    _local.pending_write = False
    _cache.clear()
    _alerted.clear()


def forget(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Drop cached years after a calendar write, and again once the write commits.

    Until it commits, nothing this thread reads is cached: a rolled-back write must not outlive its transaction.
    """
    clear_cache()
    if transaction.get_connection(using).in_atomic_block:
        _local.pending_write = True
        transaction.on_commit(clear_cache, using=using)


def _may_cache() -> bool:
    if getattr(_local, "pending_write", False):
        if transaction.get_connection().in_atomic_block:
            return False
        # Outside any transaction the pending write has either committed or rolled back.
        _local.pending_write = False
    return True


def _load_year(year: int, region: str) -> _Year:
    if not CalendarYear.objects.filter(year=year, region="").exists():
        return _Year(known=False, overrides={}, loaded_at=clock.monotonic())
    rows = (
        CalendarDay.objects.filter(date__year=year, region__in={"", region})
        # "" sorts first in every collation, so a regional row replaces the national row for its date.
        .order_by("region")
        .values_list("date", "kind")
    )
    overrides = {day: kind == CalendarDay.Kind.WORKDAY for day, kind in rows}
    return _Year(known=True, overrides=overrides, loaded_at=clock.monotonic())


def _year(year: int, region: str, *, recheck_unknown: bool) -> _Year:
    key = (year, region)
    cached = _cache.get(key)
    if (
        cached is not None
        and clock.monotonic() - cached.loaded_at < CACHE_SECONDS
        and (cached.known or not recheck_unknown)
    ):
        return cached
    loaded = _load_year(year, region)
    if _may_cache():
        _cache[key] = loaded
    return loaded


def _region(region: str | None) -> str:
    return settings.TONGXIN_CALENDAR_REGION if region is None else region


class _Days:
    """Working-day arithmetic for one computation; remembers the unknown years it touched."""

    def __init__(self, region: str | None, *, recheck_unknown: bool = False):
        self.region = _region(region)
        # A deadline must not stay provisional because another process cached the year before it was entered.
        self.recheck_unknown = recheck_unknown
        self.years: dict[int, _Year] = {}
        self.unknown_years: set[int] = set()

    def is_working(self, day: date) -> bool:
        year = self.years.get(day.year)
        if year is None:
            year = self.years[day.year] = _year(day.year, self.region, recheck_unknown=self.recheck_unknown)
            if not year.known:
                self.unknown_years.add(day.year)
        override = year.overrides.get(day)
        return day.weekday() < 5 if override is None else override

    def add(self, day: date, n: int) -> date:
        step = ONE_DAY if n >= 0 else -ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working(day):
                remaining -= 1
        return day

    def roll_forward(self, day: date) -> date:
        while not self.is_working(day):
            day += ONE_DAY
        return day

    def between(self, start: date, end: date) -> int:
        if end < start:
            return -self.between(end, start)
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_working(day)
        return count


def is_working_day(day: date, region: str | None = None) -> bool:
    return _Days(region).is_working(day)


def add_working_days(day: date, n: int, region: str | None = None) -> date:
    """The n-th working day after ``day`` (before it when n is negative); ``day`` itself does not count."""
    return _Days(region).add(day, n)


def working_days_between(start: date, end: date, region: str | None = None) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is before ``start``."""
    return _Days(region).between(start, end)


def is_known_year(year: int, region: str | None = None) -> bool:
    """Whether the national calendar of ``year`` has been entered (regional rows only refine a known year)."""
    return _year(year, _region(region), recheck_unknown=True).known


def add_months(day: date, n: int) -> date:
    """The same day ``n`` months later, or that month's last day if it has no such day (民法典 art. 202)."""
    month_index = day.month - 1 + n
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def end_of_day(day: date) -> datetime:
    """The end of a day in Asia/Shanghai: every deadline runs to 23:59:59 of its last day."""
    return datetime.combine(day, END_OF_DAY, tzinfo=CHINA)


def compute_due(*, kind: str, amount: int, anchor: datetime, region: str | None = None) -> DueDate:
    """When a period of ``amount`` units of ``kind`` started by ``anchor`` ends: 23:59:59 Beijing time.

    The anchor day does not count; a period in calendar days or months ending on a rest day ends on the next
    working day (民法典 arts. 201–203, DOMAIN §6).
    """
    if timezone.is_naive(anchor):
        raise ValueError("compute_due needs an aware anchor datetime")
    start = anchor.astimezone(CHINA).date()
    days = _Days(region, recheck_unknown=True)
    if kind == DeadlineRule.Kind.WORKING_DAYS:
        last = days.add(start, amount)
    elif kind == DeadlineRule.Kind.CALENDAR_DAYS:
        last = days.roll_forward(start + timedelta(days=amount))
    elif kind == DeadlineRule.Kind.MONTHS:
        last = days.roll_forward(add_months(start, amount))
    else:
        raise ValueError(f"unknown deadline kind {kind!r}")
    for year in sorted(days.unknown_years - _alerted):
        # After the commit: an alert written inside a transaction that rolls back would be lost.
        transaction.on_commit(lambda year=year: alert_missing_year(year), robust=True)
    return DueDate(due_at=end_of_day(last), provisional=bool(days.unknown_years))


def alert_missing_year(year: int) -> None:
    """Tell the active superusers, once per year, that deadlines reaching ``year`` are only provisional."""
    # Imported here: workflows may call notifications, but not at import time, before the apps are ready.
    from notifications.services import notify

    admins = list(get_user_model().objects.filter(is_superuser=True, is_active=True))
    created = notify(
        recipients=admins,
        key=f"calendar-missing-{year}",
        title=_("%(year)s 年节假日安排尚未录入") % {"year": year},
        body=_(
            "涉及 %(year)s 年的期限暂按周一至周五计算并标为暂定。请录入该年的节假日与调休工作日，"
            "最后添加该年份，暂定期限将自动重算。"
        )
        % {"year": year},
        link=reverse("admin:workflows_calendaryear_changelist"),
    )
    if admins:
        _alerted.add(year)
    if created or not admins:
        logger.warning("Calendar year %s is not entered: deadlines reaching it are provisional", year)
