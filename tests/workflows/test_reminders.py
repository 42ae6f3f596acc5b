"""Levels, schedules, 催办, the daily digest and the 督查室 board (workflows.reminders)."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from tests.clock import at
from tests.personas import assigned, submitted
from workflows import demo, reminders, sweeps
from workflows.errors import ServiceError, StaleStateError
from workflows.models import AuditEvent, DueAction, DueItem, Unit
from workflows.subjects import Policy

pytestmark = pytest.mark.django_db

Level, Kind = DueItem.Level, DueAction.Kind
DEFAULT = Policy(reminder_offsets=(2, 0), yellow_after_days=1, red_after_days=4)


def due_on(year, month, day) -> datetime.datetime:
    return at(year, month, day, 23, 59, 59)


def by_key(steps):
    return {step.key: step.at for step in steps}


# --- schedule ---------------------------------------------------------------------------------------------------


def test_schedule_counts_working_days_before_and_after_the_due_date():
    # due on Friday 2025-06-13
    steps = by_key(reminders.schedule(due_at=due_on(2025, 6, 13), policy=DEFAULT))

    assert steps == {
        (Kind.REMINDER, Level.BLUE, 2): at(2025, 6, 11),  # Wednesday
        (Kind.REMINDER, Level.BLUE, 0): at(2025, 6, 13),  # the due day itself
        (Kind.ESCALATION, Level.YELLOW, 0): at(2025, 6, 16),  # Monday: the next working day
        (Kind.ESCALATION, Level.RED, 0): at(2025, 6, 19),  # three more working days
    }


def test_schedule_across_national_day_uses_the_make_up_working_days():
    # 2025: 国庆+中秋 10/1–10/8 off, Sunday 9/28 and Saturday 10/11 worked.
    steps = by_key(reminders.schedule(due_at=due_on(2025, 9, 30), policy=DEFAULT))

    assert steps[(Kind.REMINDER, Level.BLUE, 2)] == at(2025, 9, 28)
    assert steps[(Kind.ESCALATION, Level.YELLOW, 0)] == at(2025, 10, 9)
    assert steps[(Kind.ESCALATION, Level.RED, 0)] == at(2025, 10, 13)


def test_zero_days_escalates_as_soon_as_overdue_and_the_action_follows_its_level():
    policy = Policy(reminder_offsets=(), yellow_after_days=0, red_after_days=0, action_level=Level.YELLOW)

    steps = by_key(reminders.schedule(due_at=due_on(2025, 6, 13), policy=policy))

    assert steps[(Kind.ESCALATION, Level.YELLOW, 0)] == due_on(2025, 6, 13)
    assert steps[(Kind.ACTION, Level.YELLOW, 0)] == due_on(2025, 6, 13)


def test_level_follows_time():
    steps = reminders.schedule(due_at=due_on(2025, 6, 13), policy=DEFAULT)

    assert reminders.level_at(steps, at(2025, 6, 10, 12)) == Level.NONE
    assert reminders.level_at(steps, at(2025, 6, 11, 0, 0, 1)) == Level.BLUE
    assert reminders.level_at(steps, at(2025, 6, 14, 12)) == Level.BLUE  # overdue on Saturday: 黄 waits for Monday
    assert reminders.level_at(steps, at(2025, 6, 16, 9)) == Level.YELLOW
    assert reminders.level_at(steps, at(2025, 6, 19, 9)) == Level.RED
    assert reminders.next_at(steps, at(2025, 6, 16, 9)) == at(2025, 6, 19)
    assert reminders.next_at(steps, at(2025, 6, 19, 9)) is None


# --- what a sweep does now --------------------------------------------------------------------------------------


def keys(steps):
    return [step.key for step in steps]


def test_only_the_latest_reminder_is_sent_and_none_once_overdue():
    steps = reminders.schedule(due_at=due_on(2025, 6, 13), policy=DEFAULT)
    anchor = at(2025, 6, 1)

    on_due_day = reminders.steps_due(steps=steps, done=set(), now=at(2025, 6, 13, 9), anchor_at=anchor)
    overdue = reminders.steps_due(steps=steps, done=set(), now=at(2025, 6, 16, 9), anchor_at=anchor)
    done_already = reminders.steps_due(steps=steps, done={(Kind.REMINDER, Level.BLUE, 0)}, now=at(2025, 6, 13, 9),
                                       anchor_at=anchor)

    assert keys(on_due_day) == [(Kind.REMINDER, Level.BLUE, 0)]
    assert keys(overdue) == [(Kind.ESCALATION, Level.YELLOW, 0)]
    assert done_already == []


def test_a_reminder_timed_before_the_period_began_is_not_sent():
    steps = reminders.schedule(due_at=due_on(2025, 6, 13), policy=DEFAULT)

    # opened on Thursday at 10:00, due Friday: the "2 working days before" reminder fell on Wednesday
    todo = reminders.steps_due(steps=steps, done=set(), now=at(2025, 6, 12, 10), anchor_at=at(2025, 6, 12, 10))

    assert todo == []


def test_seriously_overdue_escalates_yellow_then_red_and_the_action_goes_first():
    policy = Policy(reminder_offsets=(2, 0), yellow_after_days=1, red_after_days=4, action_level=Level.RED)
    steps = reminders.schedule(due_at=due_on(2025, 6, 13), policy=policy)

    todo = reminders.steps_due(steps=steps, done=set(), now=at(2025, 6, 20), anchor_at=at(2025, 6, 1))

    assert keys(todo) == [(Kind.ACTION, Level.RED, 0), (Kind.ESCALATION, Level.YELLOW, 0),
                          (Kind.ESCALATION, Level.RED, 0)]


# --- policy --------------------------------------------------------------------------------------------------------


def test_item_settings_override_the_registered_policy(world):
    proposal = assigned(world, mode="sole")
    item = DueItem.objects.get(subject_id=str(proposal.assignments.get().pk), purpose="receipt")
    assert reminders.policy_for(item) == DEFAULT

    item.reminder_offsets, item.yellow_after_days, item.red_after_days = [3, 1, 3], 2, 1

    assert reminders.policy_for(item) == Policy(reminder_offsets=(3, 1), yellow_after_days=2, red_after_days=2)


def test_co_signing_closes_itself_when_it_expires(world):
    proposal = submitted(world, kind="joint", cosigners=[world.member2])
    item = DueItem.objects.get(subject_id=str(proposal.pk), purpose="cosign")

    policy = reminders.policy_for(item)

    assert (policy.reminder_offsets, policy.yellow_after_days, policy.action_level) == ((1, 0), 0, Level.YELLOW)


# --- messages -----------------------------------------------------------------------------------------------------


def test_messages_name_the_case_stage_and_due_date(world):
    proposal = assigned(world, mode="sole")
    item = DueItem.objects.get(subject_id=str(proposal.assignments.get().pk), purpose="receipt")
    item.due_at = due_on(2025, 6, 13)
    resolution = reminders.subjects.resolve(item)
    yellow = reminders.Step(Kind.ESCALATION, Level.YELLOW, 0, at(2025, 6, 16))

    title, body = reminders.message(step=yellow, item=item, resolution=resolution, now=at(2025, 6, 18, 9))

    assert title == f"【黄色督办】签收已逾期：{resolution.case_label}"
    assert "2025-06-13 到期，已逾期 3 个工作日" in body
    assert "县教育局" in resolution.case_label and proposal.title in resolution.case_label


# --- 催办 -------------------------------------------------------------------------------------------------------


@pytest.fixture
def receipt_item(world):
    proposal = assigned(world, mode="sole")
    return DueItem.objects.get(subject_id=str(proposal.assignments.get().pk), purpose="receipt")


def test_urge_tells_the_holders_at_once_and_is_on_the_timeline(world, receipt_item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        urge = reminders.urge(actor=world.office, due_item=receipt_item, comment="请今天内签收。")

    notification = Notification.objects.get(key=f"urge-{urge.pk}")
    assert notification.recipient == world.unit1
    assert notification.title.startswith("【催办】签收：")
    assert "请今天内签收。" in notification.body
    assert notification.deliveries.get().status == "sent"  # e-mailed at once, not at the next sweep
    event = AuditEvent.objects.get(action="due.urged")
    assert (event.actor, event.subject_id) == (world.office, str(receipt_item.subject.proposal_id))


def test_urge_is_rate_limited_per_item_and_person(world, receipt_item, settings):
    settings.TONGXIN_URGE_INTERVAL_HOURS = 4
    reminders.urge(actor=world.office, due_item=receipt_item)

    with pytest.raises(ServiceError) as refused:
        reminders.urge(actor=world.office, due_item=receipt_item)
    assert refused.value.code == "urge_too_soon"
    assert "后可再次催办" in refused.value.message

    reminders.urge(actor=world.staff, due_item=receipt_item)  # another person may
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=4, seconds=1)):
        reminders.urge(actor=world.office, due_item=receipt_item)
    assert receipt_item.urges.count() == 3


def test_urge_on_a_closed_item_is_refused(world, receipt_item):
    DueItem.objects.filter(pk=receipt_item.pk).update(state=DueItem.State.DONE)

    with pytest.raises(StaleStateError) as refused:
        reminders.urge(actor=world.office, due_item=receipt_item)

    assert refused.value.code == "due_closed"


# --- daily digest -----------------------------------------------------------------------------------------------


def test_digest_lists_each_holders_items_once_a_working_day(world, receipt_item):
    monday = datetime.date(2026, 6, 15)
    DueItem.objects.filter(pk=receipt_item.pk).update(due_at=due_on(2026, 6, 12))  # overdue

    with time_machine.travel(at(2026, 6, 15, 8, 30), tick=False):
        told = reminders.send_digest()
        again = reminders.send_digest()

    assert (told, again) == (1, 1)
    digest = Notification.objects.get(recipient=world.unit1, key=f"digest-{monday:%Y%m%d}")
    assert "已逾期 1 个工作日" in digest.body
    assert Notification.objects.filter(key__startswith="digest-").count() == 1


def test_no_digest_on_a_rest_day(world, receipt_item):
    with time_machine.travel(at(2026, 6, 13, 8, 30), tick=False):  # a Saturday
        assert reminders.send_digest() == 0

    assert not Notification.objects.filter(key__startswith="digest-").exists()


# --- the 督查室 board and the colour tag ------------------------------------------------------------------------


def test_board_counts_equal_the_sql_counts(client, world, django_user_model):
    for mode in ("sole", "lead"):
        assigned(world, mode=mode)
    items = list(DueItem.objects.filter(state="open").order_by("pk"))
    for item, level in zip(items, ["red", "yellow", "yellow", "blue"], strict=False):
        DueItem.objects.filter(pk=item.pk).update(level=level, unit=Unit.objects.order_by("pk").first())
    admin = django_user_model.objects.create_superuser("boss", "boss@example.org", None)
    client.force_login(admin)

    response = client.get(reverse("workflows:due_board"))

    assert response.status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unit_id, level, COUNT(*) FROM workflows_dueitem WHERE state = 'open' GROUP BY unit_id, level"
        )
        expected = {(unit, level): count for unit, level, count in cursor.fetchall()}
    shown = {(row.unit_id, level): count for row in response.context["rows"] for level, count in row.counts.items()
             if count}
    assert shown == expected
    assert response.context["totals"].total == DueItem.objects.filter(state="open").count()
    assert [item.level for item in response.context["items"]] == ["red", "yellow", "yellow"]


def test_board_is_refused_without_the_permission(client, world):
    client.force_login(world.unit1)

    response = client.get(reverse("workflows:due_board"))

    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access_denied").exists()


def test_level_badge_shows_the_colour_in_words(receipt_item):
    receipt_item.level = Level.RED

    html = Template("{% load reminder_tags %}{{ item|due_level }}|{% level_badge item %}").render(
        Context({"item": receipt_item}))

    assert html == 'red|<span class="level level-red">红色督办</span>'


# --- the demo ---------------------------------------------------------------------------------------------------


def test_demo_plants_one_item_at_each_point_and_one_sweep_acts_on_each_once(world):
    assigned(world, mode="lead")  # two units, two receipt deadlines
    assigned(world, mode="sole", title="关于加强农村饮水安全的建议")
    assigned(world, mode="sole", lead=[world.health], title="关于改善乡镇卫生院条件的建议")

    demo.seed_due_levels(StringIO())
    sweeps.sweep()
    again = sweeps.sweep()

    fired = sorted(DueAction.objects.values_list("kind", "level", "offset_days"))
    assert fired == sorted([
        (Kind.REMINDER, Level.BLUE, 2),  # one working day before due
        (Kind.REMINDER, Level.BLUE, 0),  # on the due day
        (Kind.ESCALATION, Level.YELLOW, 0),  # overdue
        (Kind.ESCALATION, Level.YELLOW, 0), (Kind.ESCALATION, Level.RED, 0),  # seriously overdue
    ])
    assert again.total_fired == 0
    assert sorted(DueItem.objects.exclude(level="").values_list("level", flat=True)) == ["blue", "blue", "red",
                                                                                         "yellow"]
