"""The working-day calendar: 2025–2026 holidays and make-up days, deadline rules, regions, unknown years (DOMAIN §6).

Every expected date below was worked out by hand from the State Council notices for 2025 (国办发明电〔2024〕12号)
and 2026 (国办发明电〔2025〕7号):

- 2025: 元旦 1/1; 春节 1/28–2/4, work Sun 1/26 and Sat 2/8; 清明 4/4–4/6; 劳动节 5/1–5/5, work Sun 4/27;
  端午 5/31–6/2; 国庆+中秋 10/1–10/8, work Sun 9/28 and Sat 10/11.
- 2026: 元旦 1/1–1/3, work Sun 1/4; 春节 2/15–2/23, work Sat 2/14 and Sat 2/28; 清明 4/4–4/6; 劳动节 5/1–5/5,
  work Sat 5/9; 端午 6/19–6/21; 中秋 9/25–9/27; 国庆 10/1–10/7, work Sun 9/20 and Sat 10/10.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.management import call_command
from django.urls import reverse

from notifications.models import Notification
from workflows import audit, calendar, due
from workflows.models import AuditEvent, CalendarDay, CalendarYear, DeadlineRule, DueItem

CHINA = ZoneInfo("Asia/Shanghai")
WD, CD, MO = DeadlineRule.Kind.WORKING_DAYS, DeadlineRule.Kind.CALENDAR_DAYS, DeadlineRule.Kind.MONTHS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(day + "T23:59:59").replace(tzinfo=CHINA)


# (kind, amount, anchor in Beijing time, last allowed day)
DUE_CASES = [
    # 2025 春节
    pytest.param(WD, 1, "2025-01-24 10:00", "2025-01-26", id="wd1-fri-before-spring-festival-to-makeup-sunday"),
    pytest.param(WD, 3, "2025-01-24 10:00", "2025-02-05", id="wd3-across-spring-festival"),
    pytest.param(WD, 5, "2025-01-27 09:00", "2025-02-10", id="wd5-counts-makeup-saturday-2-8"),
    pytest.param(WD, 1, "2025-02-07 17:00", "2025-02-08", id="wd1-fri-to-makeup-saturday-2-8"),
    pytest.param(CD, 7, "2025-01-24 10:00", "2025-02-05", id="cd7-lands-in-break-rolls-to-2-5"),
    pytest.param(CD, 2, "2025-01-24 10:00", "2025-01-26", id="cd2-lands-on-makeup-sunday-no-roll"),
    pytest.param(CD, 15, "2025-01-24 10:00", "2025-02-08", id="cd15-lands-on-makeup-saturday"),
    pytest.param(MO, 1, "2025-01-01 12:00", "2025-02-05", id="mo1-from-new-year-rolls-past-break"),
    # 2025 清明, 劳动节, 端午
    pytest.param(WD, 1, "2025-04-03 15:00", "2025-04-07", id="wd1-across-qingming"),
    pytest.param(WD, 5, "2025-04-25 10:00", "2025-05-06", id="wd5-makeup-sunday-4-27-then-labour-day"),
    pytest.param(WD, 10, "2025-04-25 10:00", "2025-05-13", id="wd10-across-labour-day"),
    pytest.param(CD, 10, "2025-04-21 10:00", "2025-05-06", id="cd10-lands-on-labour-day-rolls"),
    pytest.param(CD, 6, "2025-04-21 10:00", "2025-04-27", id="cd6-lands-on-makeup-sunday-4-27"),
    pytest.param(MO, 1, "2025-04-01 10:00", "2025-05-06", id="mo1-lands-on-5-1-rolls"),
    pytest.param(WD, 1, "2025-05-30 10:00", "2025-06-03", id="wd1-across-dragon-boat"),
    # 2025 国庆 + 中秋
    pytest.param(WD, 1, "2025-09-26 10:00", "2025-09-28", id="wd1-to-makeup-sunday-9-28"),
    pytest.param(WD, 3, "2025-09-26 10:00", "2025-09-30", id="wd3-ends-before-national-day"),
    pytest.param(WD, 4, "2025-09-26 10:00", "2025-10-09", id="wd4-jumps-national-day-break"),
    pytest.param(WD, 5, "2025-09-30 10:00", "2025-10-14", id="wd5-counts-makeup-saturday-10-11"),
    pytest.param(WD, 15, "2025-09-15 10:00", "2025-10-11", id="wd15-ends-on-makeup-saturday-10-11"),
    pytest.param(WD, 20, "2025-09-01 10:00", "2025-09-28", id="wd20-ends-on-makeup-sunday-9-28"),
    pytest.param(CD, 30, "2025-09-08 10:00", "2025-10-09", id="cd30-lands-on-10-8-rolls"),
    pytest.param(CD, 5, "2025-09-23 10:00", "2025-09-28", id="cd5-lands-on-makeup-sunday-9-28"),
    pytest.param(MO, 1, "2025-09-05 10:00", "2025-10-09", id="mo1-lands-on-10-5-rolls"),
    pytest.param(MO, 1, "2025-09-11 10:00", "2025-10-11", id="mo1-lands-on-makeup-saturday-10-11"),
    # Months: the corresponding day, or the month's last day
    pytest.param(MO, 1, "2025-01-31 10:00", "2025-02-28", id="mo1-jan-31-to-feb-28"),
    pytest.param(MO, 1, "2025-03-31 10:00", "2025-04-30", id="mo1-mar-31-to-apr-30"),
    pytest.param(MO, 1, "2026-01-31 10:00", "2026-02-28", id="mo1-feb-28-2026-is-makeup-saturday"),
    pytest.param(MO, 3, "2025-11-30 10:00", "2026-02-28", id="mo3-across-year-to-month-end"),
    pytest.param(MO, 1, "2025-12-31 10:00", "2026-02-02", id="mo1-jan-31-2026-saturday-rolls"),
    pytest.param(MO, 12, "2025-02-17 10:00", "2026-02-24", id="mo12-lands-in-2026-spring-festival"),
    # 2026 元旦, 春节
    pytest.param(WD, 1, "2025-12-31 10:00", "2026-01-04", id="wd1-across-new-year-to-makeup-sunday-1-4"),
    pytest.param(WD, 3, "2025-12-31 10:00", "2026-01-06", id="wd3-across-new-year-2026"),
    pytest.param(CD, 3, "2025-12-29 10:00", "2026-01-04", id="cd3-lands-on-new-year-rolls-to-sunday-1-4"),
    pytest.param(WD, 1, "2026-02-13 10:00", "2026-02-14", id="wd1-to-makeup-saturday-2-14"),
    pytest.param(WD, 2, "2026-02-13 10:00", "2026-02-24", id="wd2-across-nine-day-spring-festival"),
    pytest.param(WD, 5, "2026-02-13 10:00", "2026-02-27", id="wd5-after-spring-festival-2026"),
    pytest.param(WD, 6, "2026-02-13 10:00", "2026-02-28", id="wd6-ends-on-makeup-saturday-2-28"),
    pytest.param(WD, 7, "2026-02-13 10:00", "2026-03-02", id="wd7-skips-sunday-3-1"),
    pytest.param(CD, 10, "2026-02-10 10:00", "2026-02-24", id="cd10-lands-on-2-20-rolls"),
    # 2026 清明, 劳动节, 端午, 中秋, 国庆
    pytest.param(WD, 1, "2026-04-03 10:00", "2026-04-07", id="wd1-across-qingming-2026"),
    pytest.param(WD, 3, "2026-04-30 10:00", "2026-05-08", id="wd3-across-labour-day-2026"),
    pytest.param(WD, 4, "2026-04-30 10:00", "2026-05-09", id="wd4-ends-on-makeup-saturday-5-9"),
    pytest.param(CD, 9, "2026-04-30 10:00", "2026-05-09", id="cd9-lands-on-makeup-saturday-5-9"),
    pytest.param(WD, 1, "2026-06-18 10:00", "2026-06-22", id="wd1-across-dragon-boat-2026"),
    pytest.param(WD, 1, "2026-09-24 10:00", "2026-09-28", id="wd1-across-mid-autumn-2026"),
    pytest.param(WD, 1, "2026-09-18 10:00", "2026-09-20", id="wd1-to-makeup-sunday-9-20"),
    pytest.param(WD, 10, "2026-09-18 10:00", "2026-10-09", id="wd10-across-mid-autumn-and-national-day"),
    pytest.param(WD, 11, "2026-09-18 10:00", "2026-10-10", id="wd11-ends-on-makeup-saturday-10-10"),
    pytest.param(CD, 14, "2026-09-23 10:00", "2026-10-08", id="cd14-lands-on-10-7-rolls"),
    pytest.param(MO, 1, "2026-09-01 10:00", "2026-10-08", id="mo1-lands-on-10-1-rolls-past-break"),
    pytest.param(MO, 1, "2026-09-10 10:00", "2026-10-10", id="mo1-lands-on-makeup-saturday-10-10"),
    # The anchor's Beijing date counts, not its UTC date
    pytest.param(WD, 1, "2025-09-26 00:30", "2025-09-28", id="wd1-anchor-just-after-midnight-beijing"),
    pytest.param(WD, 1, "2026-02-13 23:59", "2026-02-14", id="wd1-anchor-just-before-midnight-beijing"),
]


@pytest.mark.parametrize(("kind", "amount", "anchor", "last_day"), DUE_CASES)
def test_compute_due_matches_hand_checked_date(kind, amount, anchor, last_day):
    # when
    result = calendar.compute_due(kind=kind, amount=amount, anchor=local(anchor))

    # then
    assert result == calendar.DueDate(due_at=end_of(last_day), provisional=False)
    assert result.due_at.isoformat() == last_day + "T23:59:59+08:00"


def test_compute_due_uses_beijing_date_of_utc_anchor():
    """16:30 UTC on Thursday 2025-09-25 is already Friday in Beijing, so the first working day is Sunday 9/28."""
    anchor = datetime(2025, 9, 25, 16, 30, tzinfo=UTC)

    result = calendar.compute_due(kind=WD, amount=1, anchor=anchor)

    assert result.due_at == end_of("2025-09-28")


def test_compute_due_refuses_naive_anchor():
    with pytest.raises(ValueError, match="aware anchor"):
        calendar.compute_due(kind=WD, amount=1, anchor=datetime(2025, 9, 26, 10, 0))


def test_compute_due_refuses_unknown_kind():
    with pytest.raises(ValueError, match="unknown deadline kind 'weeks'"):
        calendar.compute_due(kind="weeks", amount=1, anchor=local("2025-09-26 10:00"))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-01-01", False),  # 元旦, Wednesday
        ("2025-01-26", True),  # make-up Sunday
        ("2025-01-28", False),  # 除夕, Tuesday
        ("2025-02-08", True),  # make-up Saturday
        ("2025-02-09", False),  # ordinary Sunday
        ("2025-03-03", True),  # ordinary Monday
        ("2025-05-31", False),  # Saturday inside 端午
        ("2025-06-02", False),  # 端午 Monday
        ("2025-10-06", False),  # 中秋 Monday
        ("2025-10-11", True),  # make-up Saturday
        ("2025-12-31", True),  # ordinary Wednesday
        ("2026-01-02", False),  # 元旦 Friday
        ("2026-01-04", True),  # make-up Sunday
        ("2026-02-14", True),  # make-up Saturday
        ("2026-02-23", False),  # last day of 春节, Monday
        ("2026-02-28", True),  # make-up Saturday
        ("2026-09-20", True),  # make-up Sunday
        ("2026-09-25", False),  # 中秋 Friday
        ("2026-10-10", True),  # make-up Saturday
    ],
)
def test_is_working_day(day, working):
    assert calendar.is_working_day(date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2025-09-26", "2025-10-09", 4),  # 9/28, 9/29, 9/30, 10/9
        ("2025-10-09", "2025-09-26", -4),
        ("2025-09-30", "2025-09-30", 0),
        ("2025-10-08", "2025-10-09", 1),
        ("2025-10-13", "2025-10-14", 1),
        ("2025-10-14", "2025-10-13", -1),  # due yesterday: one working day overdue
        ("2026-02-13", "2026-03-02", 7),
    ],
)
def test_working_days_between(start, end, count):
    assert calendar.working_days_between(date.fromisoformat(start), date.fromisoformat(end)) == count


@pytest.mark.parametrize(
    ("day", "n", "result"),
    [
        ("2025-09-26", 4, "2025-10-09"),
        ("2025-10-09", -1, "2025-09-30"),
        ("2025-10-13", -2, "2025-10-10"),  # back over Sunday and make-up Saturday 10/11
        ("2026-02-24", -1, "2026-02-14"),
        ("2025-09-30", 0, "2025-09-30"),
    ],
)
def test_add_working_days(day, n, result):
    assert calendar.add_working_days(date.fromisoformat(day), n) == date.fromisoformat(result)


def test_regional_festival_on_a_weekday_overrides_national_calendar(settings):
    # given: a prefecture's festival on Tuesday 2025-03-04
    CalendarDay.objects.create(date=date(2025, 3, 4), kind=CalendarDay.Kind.HOLIDAY, region="lz", name="地方节日")
    anchor = local("2025-03-03 10:00")

    # when / then: national deployments ignore it, the region's skips it
    assert calendar.compute_due(kind=WD, amount=1, anchor=anchor).due_at == end_of("2025-03-04")
    assert calendar.compute_due(kind=WD, amount=1, anchor=anchor, region="lz").due_at == end_of("2025-03-05")
    settings.TONGXIN_CALENDAR_REGION = "lz"
    assert calendar.compute_due(kind=WD, amount=1, anchor=anchor).due_at == end_of("2025-03-05")
    assert calendar.compute_due(kind=WD, amount=1, anchor=anchor, region="").due_at == end_of("2025-03-04")


def test_regional_row_replaces_national_row_for_its_date():
    # given: the region works on national holiday 10/8 and rests on national make-up Saturday 10/11
    CalendarDay.objects.create(date=date(2025, 10, 8), kind=CalendarDay.Kind.WORKDAY, region="lz", name="地方调休")
    CalendarDay.objects.create(date=date(2025, 10, 11), kind=CalendarDay.Kind.HOLIDAY, region="lz", name="地方节日")

    # then
    assert calendar.is_working_day(date(2025, 10, 8), region="lz") is True
    assert calendar.is_working_day(date(2025, 10, 8), region="") is False
    assert calendar.is_working_day(date(2025, 10, 11), region="lz") is False
    assert calendar.compute_due(kind=WD, amount=1, anchor=local("2025-09-30 10:00"), region="lz").due_at == end_of(
        "2025-10-08"
    )
    # 10/8 (regional workday), 10/9, 10/10, then 10/11 rests: the fourth is Monday 10/13
    assert calendar.compute_due(kind=WD, amount=4, anchor=local("2025-09-30 10:00"), region="lz").due_at == end_of(
        "2025-10-13"
    )


def test_calendar_edit_takes_effect_at_once():
    anchor = local("2025-03-03 10:00")
    assert calendar.compute_due(kind=WD, amount=1, anchor=anchor).due_at == end_of("2025-03-04")

    CalendarDay.objects.create(date=date(2025, 3, 4), kind=CalendarDay.Kind.HOLIDAY, name="临时放假")

    assert calendar.compute_due(kind=WD, amount=1, anchor=anchor).due_at == end_of("2025-03-05")


def test_known_year_is_read_from_memory_after_first_use(django_assert_num_queries):
    anchor = local("2025-09-26 10:00")
    calendar.compute_due(kind=WD, amount=20, anchor=anchor)

    with django_assert_num_queries(0):
        assert calendar.compute_due(kind=WD, amount=20, anchor=anchor).due_at == end_of("2025-10-30")
        assert calendar.working_days_between(date(2025, 9, 26), date(2025, 10, 9)) == 4


def test_packaged_years_are_known_and_2027_is_not():
    assert calendar.is_known_year(2025) is True
    assert calendar.is_known_year(2026) is True
    assert calendar.is_known_year(2027) is False


def test_unknown_year_is_provisional_on_weekdays_and_alerts_admins_once(
    admin_user, django_user_model, django_capture_on_commit_callbacks
):
    # given
    django_user_model.objects.create_user("clerk", password=None)
    anchor = local("2026-12-30 10:00")

    # when: 12/31 Thu, then 2027-01-01 Fri counted as a plain weekday, then Monday 1/4
    with django_capture_on_commit_callbacks(execute=True):
        first = calendar.compute_due(kind=WD, amount=3, anchor=anchor)
    with django_capture_on_commit_callbacks(execute=True):
        second = calendar.compute_due(kind=CD, amount=2, anchor=anchor)  # Friday 2027-01-01

    # then
    assert first == calendar.DueDate(due_at=end_of("2027-01-04"), provisional=True)
    assert second == calendar.DueDate(due_at=end_of("2027-01-01"), provisional=True)
    alerts = Notification.objects.filter(key="calendar-missing-2027")
    assert [alert.recipient for alert in alerts] == [admin_user]
    assert alerts[0].link == "/admin/workflows/calendaryear/"
    assert "2027" in alerts[0].title


def test_once_sent_the_alert_is_not_attempted_again_for_the_next_deadline(admin_user,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calendar.compute_due(kind=WD, amount=3, anchor=local("2026-12-30 10:00"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        later = calendar.compute_due(kind=WD, amount=5, anchor=local("2026-12-30 10:00"))

    assert later.provisional
    assert callbacks == []  # no read of the administrators, no notification transaction
    assert Notification.objects.filter(key="calendar-missing-2027").count() == 1


def test_alert_waits_for_the_commit(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        calendar.compute_due(kind=WD, amount=3, anchor=local("2026-12-30 10:00"))

    assert len(callbacks) == 1
    assert not Notification.objects.filter(key="calendar-missing-2027").exists()


def test_deadline_inside_a_known_year_raises_no_alert(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        calendar.compute_due(kind=WD, amount=3, anchor=local("2026-12-01 10:00"))

    assert callbacks == []


def test_entering_the_year_recomputes_open_provisional_due_items(admin_user, django_capture_on_commit_callbacks):
    # given: a reply window of 3 working days opened on 2026-12-30, before 2027 is entered
    DeadlineRule.objects.create(code="test-reply", name="答复", kind=WD, amount=3, anchor="交办日")
    item = due.open_due_item(
        subject=admin_user, purpose="reply", title="答复", rule_code="test-reply", anchor_at=local("2026-12-30 10:00")
    )
    assert (item.due_at, item.provisional, item.due_version) == (end_of("2027-01-04"), True, 1)

    # when: the administrator enters 2027's 元旦, then the year
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
        CalendarYear.objects.create(year=2027, source="国办发明电")

    # then: 12/31, then Monday 1/4 and Tuesday 1/5
    item.refresh_from_db()
    assert (item.due_at, item.provisional, item.due_version) == (end_of("2027-01-05"), False, 2)


def test_year_entered_by_another_process_is_seen_despite_the_cache():
    anchor = local("2026-12-30 10:00")
    assert calendar.compute_due(kind=WD, amount=3, anchor=anchor).provisional is True

    # bulk_create sends no signals, as if another process had written the rows
    CalendarYear.objects.bulk_create([CalendarYear(year=2027, source="国办发明电")])

    assert calendar.compute_due(kind=WD, amount=3, anchor=anchor) == calendar.DueDate(end_of("2027-01-04"), False)


def test_days_of_an_unknown_year_wait_for_its_year_row():
    """Days entered ahead of their year change nothing until the year is added: no half-entered calendar."""
    CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")

    assert calendar.is_working_day(date(2027, 1, 1)) is True

    CalendarYear.objects.create(year=2027)

    assert calendar.is_working_day(date(2027, 1, 1)) is False


# Seeding from the chinese_calendar package


def seeded_source() -> str:
    return f"chinese-calendar {chinese_calendar.__version__}"


def calendar_rows():
    return list(CalendarDay.objects.order_by("date", "region").values_list("date", "kind", "region", "name", "source"))


def test_migrated_database_holds_the_packaged_calendar():
    years = dict(CalendarYear.objects.filter(region="").values_list("year", "source"))

    assert {year: years.get(year) for year in range(2020, 2027)} == {
        year: seeded_source() for year in range(2020, 2027)
    }
    rows = {row[0]: row[1:4] for row in calendar_rows()}
    assert rows[date(2025, 1, 26)] == ("workday", "", "春节")
    assert rows[date(2025, 10, 6)] == ("holiday", "", "中秋")
    assert rows[date(2026, 10, 1)] == ("holiday", "", "国庆节")
    assert rows[date(2026, 2, 28)] == ("workday", "", "春节")
    # Weekend days inside a break are rest days anyway and are not stored.
    assert date(2025, 2, 1) not in rows
    assert date(2026, 10, 3) not in rows


def test_seed_is_idempotent_and_keeps_admin_edits():
    # given: an admin corrected one seeded day and removed 2026's year row and one of its days
    CalendarDay.objects.filter(date=date(2026, 10, 7)).update(name="国庆节（县里另行通知）", source="县政府办通知")
    CalendarDay.objects.filter(date=date(2026, 5, 9)).delete()
    CalendarYear.objects.filter(year=2026, region="").delete()

    # when
    call_command("seed_calendar", verbosity=0)
    after_first = calendar_rows()
    call_command("seed_calendar", verbosity=0)

    # then
    assert calendar_rows() == after_first
    rows = {row[0]: row for row in after_first}
    assert rows[date(2026, 10, 7)] == (date(2026, 10, 7), "holiday", "", "国庆节（县里另行通知）", "县政府办通知")
    assert rows[date(2026, 5, 9)] == (date(2026, 5, 9), "workday", "", "劳动节", seeded_source())
    assert CalendarYear.objects.get(year=2026, region="").source == seeded_source()


def test_seed_leaves_a_year_entered_by_an_admin_alone():
    # given: the admin entered 2026 by hand and dropped the make-up Saturday 5/9
    CalendarYear.objects.filter(year=2026, region="").update(source="国办发明电〔2025〕7号")
    CalendarDay.objects.filter(date=date(2026, 5, 9)).delete()

    call_command("seed_calendar", verbosity=0)

    assert not CalendarDay.objects.filter(date=date(2026, 5, 9)).exists()


def test_seed_files_a_late_december_make_up_day_under_next_years_notice():
    """2007-12-29 was a working Saturday set by the 2008 notice, so it arrives with 2008, not with 2007."""
    call_command("seed_calendar", from_year=2008, verbosity=0)

    assert CalendarDay.objects.filter(date=date(2007, 12, 29), kind="workday", name="元旦").exists()
    assert not CalendarYear.objects.filter(year=2007).exists()
    assert CalendarYear.objects.filter(year=2008).exists()


# Admin


@pytest.mark.parametrize(
    "model", ["calendaryear", "calendarday", "deadlinerule", "unit", "auditevent", "accessgrant", "dueitem"]
)
def test_admin_changelists_load(admin_client, model):
    assert admin_client.get(reverse(f"admin:workflows_{model}_changelist")).status_code == 200


def test_admin_calendar_day_list_filters_by_year_and_kind(admin_client):
    response = admin_client.get(
        reverse("admin:workflows_calendarday_changelist"), {"date__year": 2025, "kind": "workday"}
    )

    assert response.status_code == 200
    assert [day.date for day in response.context["cl"].result_list] == [
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    ]


def test_admin_audit_events_are_read_only(admin_client, admin_user):
    event = audit.record(subject=admin_user, action="test_viewed", actor=admin_user)
    change_url = reverse("admin:workflows_auditevent_change", args=[event.pk])

    assert admin_client.get(reverse("admin:workflows_auditevent_add")).status_code == 403
    assert admin_client.get(change_url).status_code == 200
    assert admin_client.post(change_url, {"action": "rewritten"}).status_code == 403
    assert admin_client.get(reverse("admin:workflows_auditevent_delete", args=[event.pk])).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "test_viewed"


def test_admin_due_items_are_read_only(admin_client):
    assert admin_client.get(reverse("admin:workflows_dueitem_add")).status_code == 403
    assert DueItem.objects.count() == 0
