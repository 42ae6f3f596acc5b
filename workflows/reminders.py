"""Reminder levels and who hears what (DOMAIN §2.7): 蓝 before the due date, 黄 overdue, 红 seriously overdue.

The schedule is a pure function of a due item's due date, its policy and the working-day calendar; the sweep
(``workflows.sweeps``) decides when to act on it. Steps fall at the start of a working day (Beijing time), except
an escalation set to begin as soon as the item is overdue (0 days), which falls at the due time itself.
Also here: 催办 (:func:`urge`), the daily digest (:func:`send_digest`) and the 督查室 board's counts.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import Message, notify

from . import audit, dashboard, locks, subjects
from .calendar import CHINA, add_working_days, is_working_day, working_days_between
from .errors import ServiceError, StaleStateError
from .models import DueAction, DueItem, DueUrge
from .subjects import Policy, Resolution

Level = DueItem.Level
Kind = DueAction.Kind
LEVEL_ORDER = {Level.NONE: 0, Level.BLUE: 1, Level.YELLOW: 2, Level.RED: 3}

audit.ACTION_LABELS.update(
    {
        "due.reminded": gettext_lazy("到期提醒"),
        "due.escalated_yellow": gettext_lazy("黄色督办"),
        "due.escalated_red": gettext_lazy("红色督办"),
        "due.auto_action": gettext_lazy("逾期自动处理"),
        "due.urged": gettext_lazy("催办"),
    }
)


@dataclass(frozen=True)
class Step:
    """One thing the sweep does for a due-date version: a reminder, an escalation or the automatic action."""

    kind: str
    level: str
    offset_days: int
    at: datetime

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.kind, self.level, self.offset_days)


def default_policy() -> Policy:
    return Policy(
        reminder_offsets=tuple(settings.TONGXIN_REMINDER_OFFSETS),
        yellow_after_days=settings.TONGXIN_YELLOW_AFTER_DAYS,
        red_after_days=settings.TONGXIN_RED_AFTER_DAYS,
    )


def policy_for(item: DueItem) -> Policy:
    """The item's own settings (copied from its stage) over its subject type's policy over the defaults."""
    registered = subjects.subject_type(item)
    base = registered.policy(item) if registered is not None and registered.policy is not None else default_policy()
    offsets = base.reminder_offsets if item.reminder_offsets is None else item.reminder_offsets
    yellow = base.yellow_after_days if item.yellow_after_days is None else item.yellow_after_days
    red = base.red_after_days if item.red_after_days is None else item.red_after_days
    return Policy(
        reminder_offsets=tuple(sorted({int(offset) for offset in offsets if int(offset) >= 0}, reverse=True)),
        yellow_after_days=yellow,
        red_after_days=max(red, yellow),
        action_level=base.action_level,
    )


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA)


def _escalation_at(due_at: datetime, due_day: date, days_after: int) -> datetime:
    # 0 means "as soon as it is overdue"; otherwise the start of that working day after the due day.
    return due_at if days_after == 0 else _working_day_start(due_day, days_after)


def _working_day_start(day: date, days: int) -> datetime:
    """The start of the working day ``days`` working days from ``day``; a sweep batch asks it once per day and
    distance (``subjects.memo``), not once per item."""
    return subjects.memo(("working_day_start", day, days), lambda: day_start(add_working_days(day, days)))


def schedule(*, due_at: datetime, policy: Policy) -> list[Step]:
    """Every step of one due-date version, in no particular order."""
    due_day = due_at.astimezone(CHINA).date()
    steps = [
        Step(Kind.REMINDER, Level.BLUE, offset, _working_day_start(due_day, -offset))
        for offset in policy.reminder_offsets
    ]
    yellow_at = _escalation_at(due_at, due_day, policy.yellow_after_days)
    red_at = _escalation_at(due_at, due_day, policy.red_after_days)
    steps += [Step(Kind.ESCALATION, Level.YELLOW, 0, yellow_at), Step(Kind.ESCALATION, Level.RED, 0, red_at)]
    if policy.action_level:
        steps.append(Step(Kind.ACTION, policy.action_level, 0, yellow_at if policy.action_level == Level.YELLOW
                          else red_at))
    return steps


def level_at(steps: list[Step], now: datetime) -> str:
    """The colour an item shows at ``now``: the highest level whose time has come."""
    reached = [step.level for step in steps if step.kind != Kind.ACTION and step.at <= now]
    return max(reached, key=LEVEL_ORDER.__getitem__, default=Level.NONE)


def next_at(steps: list[Step], now: datetime) -> datetime | None:
    return min((step.at for step in steps if step.at > now), default=None)


def steps_due(*, steps: list[Step], done: set, now: datetime, anchor_at: datetime) -> list[Step]:
    """The steps to do now, action first, then escalations, then at most one reminder.

    Only the latest reminder whose time has come is sent, and none once 黄 has begun: a reminder that arrives
    late says less than the message that replaces it. Reminders timed before the period began (a task opened
    the day before it is due) are not sent either; the holder was just told of the task.
    """
    past = [step for step in steps if step.at <= now]
    todo = [step for step in past if step.kind == Kind.ACTION and step.key not in done]
    escalations = [step for step in past if step.kind == Kind.ESCALATION]
    todo += sorted((step for step in escalations if step.key not in done), key=lambda s: LEVEL_ORDER[s.level])
    reminders = [step for step in past if step.kind == Kind.REMINDER]
    if reminders and not escalations:
        latest = max(reminders, key=lambda step: step.at)
        if latest.key not in done and latest.at >= anchor_at:
            todo.append(latest)
    return todo


def _people(*groups) -> list:
    """Users of the groups in order, each once."""
    seen = {}
    for group in groups:
        for user in group:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def recipients_for(step: Step, resolution: Resolution) -> list:
    if step.level == Level.BLUE:
        return _people(resolution.holders)
    if step.level == Level.YELLOW:
        return _people(resolution.holders, resolution.leaders)
    return _people(resolution.supervisors)


def audiences(resolution: Resolution) -> list[str]:
    """The group-robot audiences of an item: its unit's group (``notifications`` sees only the opaque string)."""
    return [unit_audience(resolution.unit.pk)] if resolution.unit is not None else []


def unit_audience(unit_id: int) -> str:
    return f"unit:{unit_id}"


def step_key(item: DueItem, step: Step) -> str:
    return f"due-{item.pk}-v{item.due_version}-{step.kind}-{step.level}-{step.offset_days}"


def _names(users) -> str:
    return "、".join(user.get_full_name() or user.get_username() for user in users) or _("（无）")


def _due_text(due_at: datetime) -> str:
    return timezone.localtime(due_at, CHINA).strftime("%Y-%m-%d")


def overdue_days(due_at: datetime, today: date) -> int:
    due_day = due_at.astimezone(CHINA).date()
    return subjects.memo(("overdue_days", due_day, today), lambda: max(0, working_days_between(due_day, today)))


def message(*, step: Step, item: DueItem, resolution: Resolution, now: datetime) -> tuple[str, str]:
    """The Chinese title and body of one reminder or escalation: case number and title, stage, due date."""
    today = timezone.localdate(now, CHINA)
    values = {
        "case": resolution.case_label,
        "stage": resolution.stage,
        "due": _due_text(item.due_at),
        "days": overdue_days(item.due_at, today),
        "holders": _names(resolution.holders),
        "unit": str(resolution.unit) if resolution.unit is not None else _("（无）"),
    }
    if step.level == Level.BLUE:
        values["days"] = max(0, working_days_between(today, item.due_at.astimezone(CHINA).date()))
        title = _("【到期提醒】%(stage)s：%(case)s") % values
        if values["days"] == 0:
            body = _("“%(case)s”的“%(stage)s”今天（%(due)s）到期，请及时办理。") % values
        else:
            body = _("“%(case)s”的“%(stage)s”将于 %(due)s 到期，还剩 %(days)s 个工作日，请及时办理。") % values
    elif step.level == Level.YELLOW:
        title = _("【黄色督办】%(stage)s已逾期：%(case)s") % values
        body = _("“%(case)s”的“%(stage)s”已于 %(due)s 到期，已逾期 %(days)s 个工作日，请抓紧办理。承办人：%(holders)s。") % values
    else:
        title = _("【红色督办】%(stage)s严重逾期：%(case)s") % values
        body = _(
            "“%(case)s”的“%(stage)s”已于 %(due)s 到期，已逾期 %(days)s 个工作日，请督促办理。"
            "承办单位：%(unit)s；承办人：%(holders)s。"
        ) % values
    return title, body


def timeline_note(*, resolution: Resolution, recipients) -> str:
    where = f"{resolution.stage}（{resolution.unit}）" if resolution.unit is not None else resolution.stage
    return (_("%(where)s，已通知：%(names)s") % {"where": where, "names": _names(recipients)})[:1000]


# --- one message per person for a sweep batch ----------------------------------------------------------------------


@dataclass
class Firing:
    """One step the sweep fires for one item: who is told, what it says (each firing is its own timeline row)."""

    item: DueItem
    step: Step
    resolution: Resolution
    recipients: list
    title: str = ""
    body: str = ""
    keys: set = field(default_factory=set)  # the keys of the messages that carried it

    @property
    def key(self) -> str:
        return step_key(self.item, self.step)


def batch_key(firings) -> str:
    """The key of one combined message: the sorted (item, version, step) keys, hashed. A retried batch finds it
    sent; a different set of items is a different message."""
    digest = hashlib.sha256("\n".join(sorted(firing.key for firing in firings)).encode()).hexdigest()
    return f"due-batch-{digest[:40]}"


def batch_messages(firings: list[Firing], *, now: datetime) -> list[Message]:
    """The messages of a sweep batch: ONE per person, listing every item that fell due for them in the batch,
    and one per group audience (a unit's work group); a single item keeps its own message and key.

    Fills each firing's ``keys`` with the messages that carried it (its timeline row names them).
    """
    by_person, by_audience, people = defaultdict(list), defaultdict(list), {}
    for firing in firings:
        if not firing.title:
            firing.title, firing.body = message(step=firing.step, item=firing.item, resolution=firing.resolution,
                                                now=now)
        for user in firing.recipients:
            people[user.pk] = user
            by_person[user.pk].append(firing)
        for audience in audiences(firing.resolution):
            by_audience[audience].append(firing)
    messages = [_combined(group, recipient=people[user_id]) for user_id, group in by_person.items()]
    messages += [_combined(group, audience=audience) for audience, group in by_audience.items()]
    return messages


def _combined(firings: list[Firing], *, recipient=None, audience: str = "") -> Message:
    if len(firings) == 1:
        firing = firings[0]
        key, title, body, link = firing.key, firing.title, firing.body, firing.resolution.link
    else:
        key, link = batch_key(firings), reverse("workflows:home")
        levels = {firing.step.level for firing in firings}
        values = {"count": len(firings)}
        if levels == {Level.BLUE}:
            title = _("【到期提醒】%(count)s 件事项即将到期") % values
        elif Level.BLUE in levels:
            title = _("【督办汇总】%(count)s 件事项即将到期或已逾期") % values
        else:
            title = _("【督办汇总】%(count)s 件事项已逾期") % values
        body = "\n".join(f"{number}. {firing.title}\n{firing.body}" for number, firing in enumerate(firings, 1))
    if recipient is not None:
        for firing in firings:
            firing.keys.add(key)
    return Message(key=key, title=title, body=body, link=link, recipient=recipient, audience=audience)


# --- 催办 -------------------------------------------------------------------------------------------------------


@transaction.atomic
def urge(*, actor, due_item: DueItem, comment: str = "") -> DueUrge:
    """催办: tell the item's holders at once, at most once per item and person per ``TONGXIN_URGE_INTERVAL_HOURS``.

    The caller has checked that ``actor`` may see the case (staff, or its applicant); the lock on the item makes
    two quick clicks one 催办.
    """
    item = next(iter(locks.children(DueItem.objects.filter(pk=due_item.pk).select_related("subject_type"))), None)
    if item is None or item.state != DueItem.State.OPEN:
        raise StaleStateError("due_closed")
    now = timezone.now()
    window = timedelta(hours=settings.TONGXIN_URGE_INTERVAL_HOURS)
    last = item.urges.filter(actor=actor, at__gt=now - window).order_by("-at").first()
    if last is not None:
        raise ServiceError("urge_too_soon", params={"next": timezone.localtime(last.at + window).strftime("%m-%d %H:%M")})
    resolution = subjects.resolve(item)
    recipients = [user for user in _people(resolution.holders) if user.pk != actor.pk]
    if not recipients:
        raise ServiceError("urge_nobody")
    row = DueUrge.objects.create(due_item=item, actor=actor, comment=comment.strip()[:2000], at=now,
                                 recipients=len(recipients))
    values = {
        "actor": actor.get_full_name() or actor.get_username(),
        "case": resolution.case_label,
        "stage": resolution.stage,
        "due": _due_text(item.due_at),
        "comment": comment.strip(),
    }
    notify(
        recipients=recipients,
        key=f"urge-{row.pk}",
        title=_("【催办】%(stage)s：%(case)s") % values,
        body=(_("%(actor)s 催办“%(case)s”的“%(stage)s”（%(due)s 到期）。") % values + " " + values["comment"]).strip(),
        link=resolution.link,
        audiences=audiences(resolution),
    )
    audit.record(
        subject=resolution.timeline_subject or item.subject, action="due.urged", actor=actor,
        comment=timeline_note(resolution=resolution, recipients=recipients)
        + (f"；{values['comment']}" if values["comment"] else ""),
    )
    return row


# --- daily digest -------------------------------------------------------------------------------------------------


def send_digest(*, today: date | None = None) -> int:
    """Send each holder one message listing their items due soon or overdue; nothing on a rest day.

    Keyed by date, so a second run on the same day (two beats, a retried task) sends nothing new.
    Returns the number of people told.
    """
    today = today or timezone.localdate(timezone.now(), CHINA)
    if not is_working_day(today):
        return 0
    horizon = datetime.combine(add_working_days(today, settings.TONGXIN_DIGEST_DAYS), time.max, tzinfo=CHINA)
    items = (
        DueItem.objects.filter(state=DueItem.State.OPEN, due_at__lte=horizon)
        .select_related("subject_type")
        .order_by("due_at", "pk")
    )
    rows_by_user = defaultdict(list)
    users = {}
    with subjects.shared_lookups():
        for chunk in _chunks(items, 500):
            subjects.load_subjects(chunk)
            for item in chunk:
                resolution = subjects.resolve(item)
                for holder in _people(resolution.holders):
                    users[holder.pk] = holder
                    rows_by_user[holder.pk].append(_digest_line(item, resolution, today))
    due_counts = {user_id: len(lines) for user_id, lines in rows_by_user.items()}
    # The domain apps' alerts (workflows.dashboard) join the same one message a day.
    for user, lines in dashboard.digest_lines(today).items():
        users[user.pk] = user
        rows_by_user[user.pk].extend(lines)
    for user_id, lines in rows_by_user.items():
        count = due_counts.get(user_id, 0)
        title = (_("每日待办提醒（%(date)s）：%(count)s 件即将到期或已逾期") % {"date": f"{today:%m-%d}", "count": count}
                 if count else _("每日提醒（%(date)s）") % {"date": f"{today:%m-%d}"})
        with transaction.atomic():
            notify(
                recipients=[users[user_id]],
                key=f"digest-{today:%Y%m%d}",
                title=title,
                body="\n".join(lines),
                link=reverse("workflows:home"),
            )
    return len(rows_by_user)


def _chunks(queryset, size: int):
    chunk = []
    for item in queryset.iterator(chunk_size=size):
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _digest_line(item: DueItem, resolution: Resolution, today: date) -> str:
    values = {"stage": resolution.stage, "case": resolution.case_label, "due": _due_text(item.due_at)}
    if item.due_at < timezone.now():
        values["days"] = overdue_days(item.due_at, today)
        return _("· 【已逾期 %(days)s 个工作日】%(stage)s：%(case)s（%(due)s 到期）") % values
    return _("· 【即将到期】%(stage)s：%(case)s（%(due)s 到期）") % values


# --- 督查室 board ---------------------------------------------------------------------------------------------------


@dataclass
class BoardRow:
    unit_id: int | None
    unit_name: str
    counts: dict  # level -> open items

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def normal(self) -> int:
        return self.counts[Level.NONE]


def board_open_items(boards: list[str] | None):
    """The open items of these boards (None: every item)."""
    items = DueItem.objects.filter(state=DueItem.State.OPEN)
    return items if boards is None else items.filter(board__in=boards)


def board_rows(boards: list[str] | None) -> list[BoardRow]:
    """Open items per unit and level: one GROUP BY, so the board shows exactly what the table holds."""
    rows: dict[int | None, BoardRow] = {}
    counted = (
        board_open_items(boards)
        .values("unit_id", "unit__name", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for entry in counted:
        row = rows.setdefault(entry["unit_id"], BoardRow(entry["unit_id"], entry["unit__name"] or "", {
            level: 0 for level in Level.values}))
        row.counts[entry["level"]] += entry["n"]
    return sorted(rows.values(), key=lambda r: (-r.counts[Level.RED], -r.counts[Level.YELLOW], -r.total, r.unit_name))


def board_items(*, boards: list[str] | None, levels, unit_id: int | None = None, unit_missing: bool = False):
    items = board_open_items(boards).filter(level__in=levels).select_related("unit")
    if unit_missing:
        items = items.filter(unit__isnull=True)
    elif unit_id is not None:
        items = items.filter(unit_id=unit_id)
    return items.order_by("due_at", "pk")
