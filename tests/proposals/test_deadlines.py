"""Deadlines from one source: a make-up working day, a holiday entered later and an approved extension each move
the due item, and every shown date (case page, 我的提案, 承办待办, the unit's page, the printed notice) and every
automatic action (closing co-signing, the adjustment window) follows it. No date is copied anywhere else."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.models import Assignment, Cosigner, Proposal, ProposalStatus
from tests.personas import assigned, submitted
from workflows import calendar, sweeps, work
from workflows.models import CalendarDay

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def enter_day(capture, day: datetime.date, kind: str):
    """An administrator enters a calendar day; the open deadlines are recomputed when that commits."""
    with capture(execute=True):
        CalendarDay.objects.create(date=day, kind=kind, name="调休" if kind == CalendarDay.Kind.WORKDAY else "地方节日")


def test_a_make_up_working_day_moves_the_cosigning_window_its_pages_and_its_automatic_close(
        world, client, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2026, 3, 5, 10), tick=False):  # a Thursday
        proposal = submitted(world, kind="joint", cosigners=[world.member2, world.member3])
        window = services.proposal_due(proposal, "cosign")
        assert timezone.localdate(window.due_at) == datetime.date(2026, 3, 12)
        # when: Saturday 7 March becomes a working day
        enter_day(django_capture_on_commit_callbacks, datetime.date(2026, 3, 7), CalendarDay.Kind.WORKDAY)
        window.refresh_from_db()
        # then: one day earlier, everywhere it is shown
        assert timezone.localdate(window.due_at) == datetime.date(2026, 3, 11) and window.due_version == 2
        assert "2026-03-11" in page(client, world.member2, reverse("proposals:mine"))  # the invitation
        case = page(client, world.member2, reverse("proposals:detail", args=[proposal.pk]))
        assert "2026-03-11" in case and "2026-03-12" not in case
        held = {h.item.assignee: h for h in work.case_holdings(proposal)}
        assert {h.due_at for h in held.values()} == {window.due_at}
        services.cosign_respond(actor=world.member2, proposal=proposal, confirm=True)
    with time_machine.travel(at(2026, 3, 11, 20), tick=False):
        sweeps.sweep()
        assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.COSIGNING  # not yet due
    # when: the moved date has passed (the old copy would still say 12 March and refuse to close)
    with time_machine.travel(at(2026, 3, 12, 9), tick=False):
        sweeps.sweep()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.cosigners.get(user=world.member3).status == Cosigner.Status.DROPPED
    assert [i.step for i in work.case_items(proposal)] == ["stage:proposal-review:first-review"]


def test_a_holiday_entered_later_moves_the_receipt_window_and_the_adjustment_check_follows(
        world, client, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):  # a Monday
        proposal = assigned(world, mode="sole", lead=[world.transport])
        part = proposal.assignments.get()
        receipt = services.proposal_due(part, "receipt")
        assert timezone.localdate(receipt.due_at) == datetime.date(2026, 3, 9)
        # when: Wednesday 4 March is declared a local holiday
        enter_day(django_capture_on_commit_callbacks, datetime.date(2026, 3, 4), CalendarDay.Kind.HOLIDAY)
        receipt.refresh_from_db()
        assert timezone.localdate(receipt.due_at) == datetime.date(2026, 3, 10)
        # then: every page and print of the unit shows the new date
        assignment_page = page(client, world.unit2, reverse("proposals:assignment", args=[part.pk]))
        assert "2026-03-10" in assignment_page and "2026-03-09" not in assignment_page
        assert "2026-03-10" in page(client, world.unit2, reverse("proposals:unit_inbox"))
        assert "2026年3月10日" in page(client, world.unit2, reverse("proposals:assignment_notice", args=[part.pk]))
        assert "2026-03-10" in page(client, world.office, reverse("proposals:detail", args=[proposal.pk]))
    # when: on 10 March, past the old date, the unit asks for an adjustment: the window is the moved one
    with time_machine.travel(at(2026, 3, 10, 15), tick=False):
        services.assignment_request_adjustment(actor=world.unit2, assignment=part, reason="属于教育部门职责")
    assert Assignment.objects.get(pk=part.pk).state == Assignment.State.DISPUTED


def test_an_extension_moves_the_handling_deadline_on_every_page_and_print(world, client):
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        proposal = assigned(world, mode="sole")
        part = proposal.assignments.get()
        services.assignment_receive(actor=world.unit1, assignment=part)
        services.contact_log_add(actor=world.unit1, assignment=part, held_on=timezone.localdate(), form="phone",
                                 participants="李明华", summary="沟通办理思路")
        reply = services.proposal_due(part, "reply")
        assert timezone.localdate(reply.due_at) == datetime.date(2026, 6, 2)
        # when
        extension = services.extension_request(actor=world.unit1, assignment=part, until=datetime.date(2026, 7, 15),
                                               reason="需协调资金")
        assert "审批延期申请" in page(client, world.office, reverse("workflows:queue"))
        services.extension_decide(actor=world.office, extension=extension, approve=True, comment="同意")
        reply.refresh_from_db()
        # then
        assert timezone.localdate(reply.due_at) == datetime.date(2026, 7, 15)
        for user, url in (
            (world.member1, reverse("proposals:mine")),
            (world.member1, reverse("proposals:detail", args=[proposal.pk])),
            (world.unit1, reverse("proposals:assignment", args=[part.pk])),
            (world.unit1, reverse("proposals:unit_inbox")),
            (world.office, reverse("proposals:list")),
        ):
            shown = page(client, user, url)
            assert "2026-07-15" in shown and "2026-06-02" not in shown, url
        assert "2026年7月15日" in page(client, world.unit1, reverse("proposals:assignment_notice", args=[part.pk]))
        assert "审批延期申请" not in page(client, world.office, reverse("workflows:queue"))
