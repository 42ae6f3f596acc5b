"""Demo data plumbing: each app's ``demo.py`` registers a seeder; ``manage.py seed_demo`` runs them in order.

Demo accounts exist only in a demo database, never in a migration.
"""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from . import calendar, due, reminders, subjects
from .models import DueItem, Unit, UnitMembership

DEMO_PASSWORD = "Tongxin@2026"  # nosec B105  # the demo accounts' published password (README); DEBUG only
SEEDERS: list[tuple[int, object]] = []


def seeder(order: int):
    def register(func):
        SEEDERS.append((order, func))
        return func

    return register


def demo_user(username: str, full_name: str, *, groups=(), unit: Unit | None = None,
              unit_role: str = UnitMembership.Role.HANDLER, is_superuser: bool = False, email: str | None = None):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created:
        # Chinese names: family name first, stored whole in first_name so get_full_name() reads naturally.
        user.first_name = full_name
        user.email = email if email is not None else f"{username}@example.org"
        user.is_superuser = user.is_staff = is_superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
    for code in groups:
        user.groups.add(Group.objects.get(name=code))
    if unit is not None:
        UnitMembership.objects.get_or_create(unit=unit, user=user, role=unit_role)
    return user


def unit(name: str, kind: str, **extra) -> Unit:
    obj, _created = Unit.objects.get_or_create(name=name, defaults={"kind": kind, **extra})
    return obj


@seeder(order=0)
def seed_directory(stdout):
    unit("县委组织部", Unit.Kind.ORG_DEPT)
    unit("县委统战部", Unit.Kind.UF_DEPT)
    demo_user("admin", "系统管理员", is_superuser=True)


@seeder(order=90)
def seed_due_levels(stdout):
    """Move four open deadlines to the points the reminder sweep acts on (DOMAIN §2.7).

    One working day before due and on the due day (蓝), overdue (黄) and seriously overdue (红): within two beats
    of ``make run`` each is reminded or escalated once, in the centre, by (console) e-mail and on its timeline.
    Items with an automatic action are left alone, so planting a date never closes a window by itself, and so are
    items of subject types nobody registered (they tell no one).

    Dates move only through :func:`workflows.due.move_due_item` (a new due-date version, so the sweep plans the
    item again and no reminder of the old date repeats); the rows that show a copy of the date follow it.
    """
    today = timezone.localdate(timezone.now(), calendar.CHINA)
    last_working = today
    while not calendar.is_working_day(last_working):
        last_working -= timedelta(days=1)
    items = [
        item for item in DueItem.objects.filter(state=DueItem.State.OPEN).select_related("subject_type").order_by("-pk")
        if subjects.subject_type(item) is not None and not reminders.policy_for(item).action_level
    ][:4]
    for item, place in zip(items, ("before", "on", "overdue", "serious"), strict=False):
        policy = reminders.policy_for(item)
        due_day = {
            "before": calendar.add_working_days(today, 1),
            "on": today,
            "overdue": calendar.add_working_days(last_working, -max(policy.yellow_after_days, 1)),
            "serious": calendar.add_working_days(last_working, -max(policy.red_after_days, 1)),
        }[place]
        plant_due(item, datetime.combine(due_day, calendar.END_OF_DAY, tzinfo=calendar.CHINA))
    stdout.write("  reminders: %d open deadlines planted before due, on due, overdue and seriously overdue" % len(items))


def plant_due(item: DueItem, due_at: datetime) -> DueItem:
    """Give a demo item another due date, as an approved extension would, with an anchor well before it
    (reminders timed before a period began are never sent), and keep the copies of the date in step."""
    subject = item.subject
    moved = due.move_due_item(subject=subject, purpose=item.purpose, due_at=due_at)
    # The anchor is not a due date: it only says when the period began.
    DueItem.objects.filter(pk=moved.pk).update(
        anchor_at=reminders.day_start(calendar.add_working_days(timezone.localdate(due_at, calendar.CHINA), -10))
    )
    return moved
