"""Enter the national holidays and make-up working days known to the ``chinese_calendar`` package."""

from collections import defaultdict

import chinese_calendar
from chinese_calendar import Holiday
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from workflows import calendar, due
from workflows.models import CalendarDay, CalendarYear

SOURCE_PREFIX = "chinese-calendar"


def notice_year(day, holiday: Holiday) -> int:
    """The year whose State Council notice set ``day``: a late-December make-up day can serve next New Year."""
    return day.year + 1 if day.month == 12 and holiday is Holiday.new_years_day else day.year


def package_days(source: str) -> dict[int, list[CalendarDay]]:
    """The package's exceptions to the Monday–Friday rule, grouped by the year of their notice."""
    by_year = defaultdict(list)
    for table, kind in (
        (chinese_calendar.holidays, CalendarDay.Kind.HOLIDAY),
        (chinese_calendar.workdays, CalendarDay.Kind.WORKDAY),
    ):
        for day, english_name in table.items():
            # Weekend days inside a break are rest days anyway; only the exceptions are stored.
            if (day.weekday() < 5) != (kind == CalendarDay.Kind.HOLIDAY):
                continue
            holiday = Holiday(english_name)
            by_year[notice_year(day, holiday)].append(
                CalendarDay(date=day, kind=kind, region="", name=holiday.chinese, source=source)
            )
    return by_year


class Command(BaseCommand):
    # argparse cannot format lazy strings; Django's own commands leave their help untranslated too.
    help = "从 chinese_calendar 软件包导入全国法定节假日与调休工作日。只导入尚未录入的年份，不改动已有记录。"

    def add_arguments(self, parser):
        parser.add_argument("--from-year", type=int, default=2020, help="从该年起导入（默认 2020）。")

    def handle(self, *args, from_year: int, verbosity: int, **options):
        source = f"{SOURCE_PREFIX} {chinese_calendar.__version__}"
        by_year = package_days(source)
        package_years = {day.year for day in chinese_calendar.holidays}
        with transaction.atomic():
            # A year with a national row is never touched again, so admin edits and deletions stay as they are.
            entered = set(CalendarYear.objects.filter(region="").values_list("year", flat=True))
            new_years = sorted(year for year in package_years if year >= from_year and year not in entered)
            new_days = [day for year in new_years for day in by_year[year]]
            CalendarDay.objects.bulk_create(new_days, ignore_conflicts=True)
            CalendarYear.objects.bulk_create(
                [CalendarYear(year=year, region="", source=source) for year in new_years], ignore_conflicts=True
            )
            # bulk_create sends no signals: do what the calendar signals would.
            calendar.forget()
            if new_years:
                transaction.on_commit(due.recompute_open)
        if verbosity:
            self.stdout.write(
                _("已导入 %(years)s 个年份的 %(days)s 条节假日与调休记录（%(source)s）。")
                % {"years": len(new_years), "days": len(new_days), "source": source}
            )
