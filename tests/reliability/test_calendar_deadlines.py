"""RELIABILITY row 14: deadlines, reminders and escalations across 国庆 2025, its 调休 working days (Sunday 9/28,
Saturday 10/11) and a regional holiday override, against hand-checked dates (DOMAIN §6).

2025: 10/1–10/8 off. Working days around it: 9/25 Thu, 9/26 Fri, 9/28 Sun, 9/29, 9/30, then 10/9 Thu, 10/10 Fri,
10/11 Sat, 10/13 Mon, 10/14 … The region ``test-region`` also rests on 10/13.
"""

from datetime import date, datetime

import pytest

from workflows import calendar, reminders
from workflows.calendar import CHINA
from workflows.models import CalendarDay, DueAction, DueItem
from workflows.subjects import Policy

from .harness import report

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]

REGION = "test-region"
D = date

# (kind, amount, anchor, region, expected last day)
DEADLINES = [
    ("working_days", 1, D(2025, 9, 26), "", D(2025, 9, 28)),  # the make-up Sunday counts
    ("working_days", 2, D(2025, 9, 26), "", D(2025, 9, 29)),
    ("working_days", 3, D(2025, 9, 26), "", D(2025, 9, 30)),
    ("working_days", 4, D(2025, 9, 26), "", D(2025, 10, 9)),  # over the whole break
    ("working_days", 5, D(2025, 9, 26), "", D(2025, 10, 10)),
    ("working_days", 6, D(2025, 9, 26), "", D(2025, 10, 11)),  # the make-up Saturday
    ("working_days", 7, D(2025, 9, 26), "", D(2025, 10, 13)),
    ("working_days", 10, D(2025, 9, 26), "", D(2025, 10, 16)),
    ("working_days", 1, D(2025, 9, 30), "", D(2025, 10, 9)),
    ("working_days", 3, D(2025, 9, 30), "", D(2025, 10, 11)),
    ("working_days", 5, D(2025, 9, 30), "", D(2025, 10, 14)),
    ("working_days", 1, D(2025, 10, 1), "", D(2025, 10, 9)),  # an anchor inside the break
    ("working_days", 2, D(2025, 10, 1), "", D(2025, 10, 10)),
    ("working_days", 1, D(2025, 10, 8), "", D(2025, 10, 9)),
    ("working_days", 1, D(2025, 10, 10), "", D(2025, 10, 11)),
    ("working_days", 2, D(2025, 10, 10), "", D(2025, 10, 13)),
    ("working_days", 1, D(2025, 10, 11), "", D(2025, 10, 13)),
    ("calendar_days", 7, D(2025, 9, 24), "", D(2025, 10, 9)),  # ends on 10/1: rolled to the next working day
    ("calendar_days", 7, D(2025, 9, 21), "", D(2025, 9, 28)),  # ends on the make-up Sunday: stays
    ("calendar_days", 8, D(2025, 10, 4), "", D(2025, 10, 13)),  # ends on Sunday 10/12: rolled
    ("months", 3, D(2025, 7, 1), "", D(2025, 10, 9)),  # 10/1 rolled
    ("months", 1, D(2025, 8, 31), "", D(2025, 9, 30)),  # no 9/31: the month's last day
    ("working_days", 2, D(2025, 10, 10), REGION, D(2025, 10, 14)),  # 10/13 is a regional holiday
    ("working_days", 7, D(2025, 9, 26), REGION, D(2025, 10, 14)),
    ("calendar_days", 8, D(2025, 10, 4), REGION, D(2025, 10, 14)),
]
DEFAULT = Policy(reminder_offsets=(2, 0), yellow_after_days=1, red_after_days=4)
# (due day, region, expected: 2-day reminder, due-day reminder, 黄, 红)
SCHEDULES = [
    (D(2025, 10, 9), "", (D(2025, 9, 29), D(2025, 10, 9), D(2025, 10, 10), D(2025, 10, 14))),
    (D(2025, 9, 30), "", (D(2025, 9, 28), D(2025, 9, 30), D(2025, 10, 9), D(2025, 10, 13))),
    (D(2025, 9, 28), "", (D(2025, 9, 25), D(2025, 9, 28), D(2025, 9, 29), D(2025, 10, 10))),
    (D(2025, 10, 11), "", (D(2025, 10, 9), D(2025, 10, 11), D(2025, 10, 13), D(2025, 10, 16))),
    (D(2025, 10, 10), REGION, (D(2025, 9, 30), D(2025, 10, 10), D(2025, 10, 11), D(2025, 10, 16))),
]


def test_deadlines_and_escalations_across_national_day(settings, record_property):
    # given a regional holiday on Monday 10/13 for one region
    CalendarDay.objects.create(date=D(2025, 10, 13), kind=CalendarDay.Kind.HOLIDAY, region=REGION, name="地方节日")
    calendar.clear_cache()

    # when
    checked, wrong = 0, []
    for kind, amount, anchor, region, expected in DEADLINES:
        anchor_at = datetime(anchor.year, anchor.month, anchor.day, 10, tzinfo=CHINA)
        got = calendar.compute_due(kind=kind, amount=amount, anchor=anchor_at, region=region).due_at
        checked += 1
        if got != datetime.combine(expected, calendar.END_OF_DAY, tzinfo=CHINA):
            wrong.append((kind, amount, anchor, region, got.date(), expected))
    for due_day, region, expected in SCHEDULES:
        settings.TONGXIN_CALENDAR_REGION = region
        steps = {step.key: step.at.date() for step in reminders.schedule(
            due_at=datetime.combine(due_day, calendar.END_OF_DAY, tzinfo=CHINA), policy=DEFAULT)}
        got = (steps[(DueAction.Kind.REMINDER, DueItem.Level.BLUE, 2)],
               steps[(DueAction.Kind.REMINDER, DueItem.Level.BLUE, 0)],
               steps[(DueAction.Kind.ESCALATION, DueItem.Level.YELLOW, 0)],
               steps[(DueAction.Kind.ESCALATION, DueItem.Level.RED, 0)])
        for label, day, want in zip(("remind-2", "remind-0", "yellow", "red"), got, expected, strict=True):
            checked += 1
            if day != want:
                wrong.append((label, due_day, region, day, want))

    # then
    report(record_property, row=14, name="calendar_national_day", hand_checked=checked, matching=checked - len(wrong))
    assert wrong == []
    assert checked >= 40
