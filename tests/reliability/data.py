"""Many due items at once, for the fault-injection tests and the sweep benchmark.

Each item is the 办理答复 deadline of a real proposal assignment, so the sweep resolves its holders, leaders and
督查室 through the proposals registration, exactly as in production. Rows are bulk-inserted: the services would
take minutes to make ten thousand of them.
"""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from proposals import roles
from proposals.models import Assignment, Proposal, ProposalStatus, Term
from workflows.models import DueItem, Unit, UnitMembership

BATCH = 2000


def term() -> Term:
    found, _created = Term.objects.get_or_create(number=10, defaults={
        "name": "政协同心县第十届委员会", "starts_on": datetime(2022, 1, 10).date(),
        "ends_on": datetime(2027, 1, 9).date(), "is_current": True})
    return found


def units_with_handlers(count: int, *, email: bool, prefix: str = "unit") -> list[Unit]:
    """``count`` handling units, each with one handler (with or without an e-mail address)."""
    user_model = get_user_model()
    units = []
    for i in range(count):
        unit = Unit.objects.create(name=f"{prefix}-{i} 县第{i}局", kind=Unit.Kind.HANDLING)
        user = user_model.objects.create(username=f"{prefix}-handler-{i}", first_name=f"经办人{i}",
                                         email=f"{prefix}-handler-{i}@example.org" if email else "")
        UnitMembership.objects.create(unit=unit, user=user, role=UnitMembership.Role.HANDLER)
        units.append(unit)
    return units


def supervision_office(*, email: bool = False):
    """One 督查室 user (the 红 recipients and the decider of adjustment requests)."""
    user = get_user_model().objects.create(username="office-1", first_name="督查室", email="office-1@example.org"
                                           if email else "")
    user.groups.add(Group.objects.get(name=roles.SUPERVISION_OFFICE))
    return user


def assignments(*, units: list[Unit], count: int, state: str = Assignment.State.RECEIVED) -> list[Assignment]:
    """``count`` proposals in handling, each assigned to one of ``units`` in turn."""
    now = timezone.now()
    submitter, _created = get_user_model().objects.get_or_create(username="bulk-submitter")
    the_term = term()
    proposals = Proposal.objects.bulk_create(
        [Proposal(term=the_term, title=f"关于第{i}项民生工作的建议", reasons="理由。", suggestions="办法。",
                  submitted_by=submitter, first_proposer=submitter, status=ProposalStatus.IN_HANDLING)
         for i in range(count)],
        batch_size=BATCH,
    )
    return Assignment.objects.bulk_create(
        [Assignment(proposal=proposal, unit=units[i % len(units)], role=Assignment.Role.SOLE, state=state,
                    assigned_at=now, assigned_by=submitter)
         for i, proposal in enumerate(proposals)],
        batch_size=BATCH,
    )


def due_items(*, parts: list[Assignment], due_at, purpose: str = "reply", anchor_at=None, yellow_after_days=0,
              red_after_days=60, reminder_offsets=()) -> list[DueItem]:
    """One open due item per assignment; by default only 黄 can fire (at ``due_at``) and no reminder."""
    content_type = ContentType.objects.get_for_model(Assignment)
    anchor_at = anchor_at or timezone.now() - timedelta(days=30)
    due_at_of = due_at if callable(due_at) else (lambda i: due_at)
    return DueItem.objects.bulk_create(
        [DueItem(subject_type=content_type, subject_id=str(part.pk), purpose=purpose, title=f"办理答复：{i}",
                 anchor_at=anchor_at, due_at=due_at_of(i), yellow_after_days=yellow_after_days,
                 red_after_days=red_after_days, reminder_offsets=list(reminder_offsets))
         for i, part in enumerate(parts)],
        batch_size=BATCH,
    )
