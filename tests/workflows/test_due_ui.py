"""The reminder levels and 催办 in the pages (issue #6): inbox and case-page badges, the 催办 button, the 督办看板
link, and the read-only admin of what the sweep and the urgers did."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.nomination import cases
from tests.nomination.conftest import cadres  # noqa: F401  (the cadre-side personas, for the case page)
from tests.personas import accepted, assigned, submitted
from tests.workflows.chain_slot import start
from workflows import due, reminders, sweeps
from workflows.models import DueAction, DueItem, DueUrge, StageTask
from workflows.stages import TASK_DUE

pytestmark = pytest.mark.django_db

YELLOW_BADGE = '<span class="level level-yellow">黄色督办</span>'


def task_item(task) -> DueItem:
    return DueItem.objects.get(subject_type=ContentType.objects.get_for_model(StageTask), subject_id=str(task.pk),
                               purpose=TASK_DUE, state=DueItem.State.OPEN)


def r1_tasks():
    return StageTask.objects.filter(assignee__username="r1", status=StageTask.Status.OPEN)


# --- inbox ---------------------------------------------------------------------------------------------------------


def test_inbox_shows_the_level_of_the_tasks_due_item_in_words(client, people):
    start(people)
    start(people, name="县第二局")
    yellow, plain = r1_tasks().order_by("pk")
    DueItem.objects.filter(pk=task_item(yellow).pk).update(level=DueItem.Level.YELLOW)
    client.force_login(people["r1"])

    response = client.get(reverse("workflows:inbox"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(YELLOW_BADGE) == 1
    assert [(item.target_id, item.due_item.level) for item in response.context["page"]] == [
        (str(yellow.pk), "yellow"), (str(plain.pk), "")]


def test_a_closed_due_item_shows_no_colour(client, people):
    start(people)
    task = r1_tasks().get()
    DueItem.objects.filter(pk=task_item(task).pk).update(level=DueItem.Level.RED, state=DueItem.State.DONE)
    client.force_login(people["r1"])

    page = client.get(reverse("workflows:inbox")).content.decode()

    assert "红色督办" not in page


def _inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("workflows:inbox"))
    assert response.status_code == 200
    return len(context.captured_queries)


def test_inbox_costs_the_same_queries_for_5_and_50_tasks(client, people):
    for n in range(5):
        start(people, name=f"县第{n}局")
    DueItem.objects.update(level=DueItem.Level.BLUE)
    client.force_login(people["r1"])
    _inbox_queries(client)  # warm the per-process caches (content types, the session)

    five = _inbox_queries(client)
    for n in range(5, 50):
        start(people, name=f"县第{n}局")
    DueItem.objects.update(level=DueItem.Level.RED)
    fifty = _inbox_queries(client)

    assert r1_tasks().count() == 50
    assert five == fifty
    assert client.get(reverse("workflows:inbox")).content.decode().count("红色督办") == 50


# --- the queue (待认领) --------------------------------------------------------------------------------------------


def test_queue_shows_the_colour_of_the_steps_own_deadline(client, world):
    proposal = accepted(world)
    DueItem.objects.filter(subject_id=str(proposal.pk), purpose="assign").update(level=DueItem.Level.YELLOW)
    client.force_login(world.office)

    response = client.get(reverse("workflows:queue"))

    assert [(row[0].step, row[0].due_item.level) for row in response.context["rows"]] == [("proposals.assign", "yellow")]
    assert YELLOW_BADGE in response.content.decode()


# --- 催办 on the case pages ---------------------------------------------------------------------------------------


@pytest.fixture
def receipt(world):
    proposal = assigned(world, mode="sole")
    item = DueItem.objects.get(subject_id=str(proposal.assignments.get().pk), purpose="receipt")
    DueItem.objects.filter(pk=item.pk).update(level=DueItem.Level.YELLOW)
    return proposal, item


def test_the_proposal_page_lists_its_deadlines_and_offers_urge_to_the_office_only(client, world, receipt):
    proposal, item = receipt
    url = reverse("proposals:detail", args=[proposal.pk])

    client.force_login(world.office)
    office_page = client.get(url).content.decode()
    client.force_login(world.unit1)  # sees the proposal (assigned to their unit), is the one urged
    unit_page = client.get(url).content.decode()

    assert 'data-testid="due-items"' in office_page and YELLOW_BADGE in office_page
    assert f'data-testid="urge-{item.pk}"' in office_page
    assert reverse("workflows:due_urge", args=[item.pk]) in office_page
    assert 'data-testid="due-items"' in unit_page and YELLOW_BADGE in unit_page
    assert f'data-testid="urge-{item.pk}"' not in unit_page


def test_the_proposer_may_urge_too_and_the_assignment_page_lists_its_own_deadlines(client, world, receipt):
    proposal, item = receipt
    client.force_login(world.member1)
    assert f'data-testid="urge-{item.pk}"' in client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()

    client.force_login(world.office)
    page = client.get(reverse("proposals:assignment", args=[proposal.assignments.get().pk])).content.decode()
    assert f'data-testid="urge-{item.pk}"' in page and "县教育局" in page


def test_urge_from_the_page_tells_the_unit_and_a_second_click_is_refused_in_chinese(client, world, receipt):
    proposal, item = receipt
    detail = reverse("proposals:detail", args=[proposal.pk])
    client.force_login(world.office)

    first = client.post(reverse("workflows:due_urge", args=[item.pk]), {"comment": "请今天内签收。", "next": detail},
                        follow=True)
    second = client.post(reverse("workflows:due_urge", args=[item.pk]), {"next": detail}, follow=True)

    assert first.redirect_chain == [(detail, 302)]
    assert [str(message) for message in first.context["messages"]] == ["已催办，承办人已收到通知。"]
    urge = DueUrge.objects.get()
    assert (urge.due_item_id, urge.actor, urge.comment, urge.recipients) == (item.pk, world.office, "请今天内签收。", 1)
    shown = [str(message) for message in second.context["messages"]]
    assert len(shown) == 1 and "您已催办过该事项" in shown[0] and "后可再次催办" in shown[0]
    assert "您已催办过该事项" in second.content.decode()


def test_urge_by_someone_who_may_not_is_refused_and_audited(client, world, receipt):
    _proposal, item = receipt
    for user in (world.unit1, world.member2, world.outsider):
        client.force_login(user)
        assert client.post(reverse("workflows:due_urge", args=[item.pk])).status_code == 404
    assert not DueUrge.objects.exists()


def test_urge_refuses_a_foreign_next_url(client, world, receipt):
    proposal, item = receipt
    client.force_login(world.office)

    response = client.post(reverse("workflows:due_urge", args=[item.pk]), {"next": "https://evil.example/"})

    assert response["Location"] == reverse("proposals:assignment", args=[proposal.assignments.get().pk])


def test_urge_reaches_a_chain_task_of_the_proposal(client, world):
    proposal = submitted(world)  # the review chain: a task for 提案委 staff
    task = StageTask.objects.get(status=StageTask.Status.OPEN, assignee=world.staff)
    client.force_login(world.member1)  # the proposer

    page = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    response = client.post(reverse("workflows:due_urge", args=[task_item(task).pk]))

    assert f'data-testid="urge-{task_item(task).pk}"' in page and "陈晓静" in page
    assert response.status_code == 302
    assert DueUrge.objects.get().actor == world.member1


def test_the_nomination_case_page_lists_its_chain_deadlines_and_cadres_may_urge(client, cadres):  # noqa: F811
    case = cases.at_motion_gate(cadres)  # the UFWD writes its opinion: a chain task for uf1
    item = DueItem.objects.get(purpose=TASK_DUE, state=DueItem.State.OPEN)
    DueItem.objects.filter(pk=item.pk).update(level=DueItem.Level.RED)
    client.force_login(cadres.org1)

    page = client.get(reverse("nomination:case", args=[case.pk])).content.decode()
    response = client.post(reverse("workflows:due_urge", args=[item.pk]),
                           {"next": reverse("nomination:case", args=[case.pk])}, follow=True)

    assert '<span class="level level-red">红色督办</span>' in page and f'data-testid="urge-{item.pk}"' in page
    assert "马丽华" in page  # the holder
    assert "已催办" in response.content.decode()
    assert DueUrge.objects.get().recipients == 1


def test_the_proposal_page_costs_no_query_per_deadline(client, world):
    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("proposals:detail", args=[proposal.pk]))
        assert response.status_code == 200
        return len(context.captured_queries), response.content.decode().count('data-testid="urge-')

    proposal = assigned(world, mode="lead")  # two units: two receipt deadlines
    client.force_login(world.office)
    queries()
    few = queries()
    for assignment in proposal.assignments.all():
        for n in range(3):
            due.open_due_item(subject=assignment, purpose=f"extra-{n}", title=f"测试期限 {n}",
                              kind="working_days", amount=5 + n)
    many = queries()

    # one 催办 button per open deadline (two receipts and the lead unit's reply), then six more
    assert (few[1], many[1]) == (3, 9)
    assert few[0] == many[0]


# --- navigation and the board ------------------------------------------------------------------------------------


def test_the_board_link_is_in_the_nav_for_the_supervision_office_only(client, world):
    client.force_login(world.office)
    office_home = client.get(reverse("workflows:home")).content.decode()
    board = client.get(reverse("workflows:due_board"))

    assert 'data-testid="nav-due-board"' in office_home and reverse("workflows:due_board") in office_home
    assert board.status_code == 200
    for user in (world.staff, world.unit1, world.member1):
        client.force_login(user)
        assert 'data-testid="nav-due-board"' not in client.get(reverse("workflows:home")).content.decode()
        assert client.get(reverse("workflows:due_board")).status_code in (403, 404)


# --- admin -------------------------------------------------------------------------------------------------------


def test_admin_lists_what_the_sweep_and_the_urgers_did_read_only(admin_client, world, receipt):
    _proposal, item = receipt
    DueAction.objects.create(due_item=item, due_version=item.due_version, kind=DueAction.Kind.ESCALATION,
                             level=DueItem.Level.YELLOW, scheduled_at=item.due_at, recipients=2)
    reminders.urge(actor=world.office, due_item=item)

    actions = admin_client.get(reverse("admin:workflows_dueaction_changelist") + "?kind=escalation&level=yellow")
    searched = admin_client.get(reverse("admin:workflows_dueaction_changelist"), {"q": item.title[:6]})
    urges = admin_client.get(reverse("admin:workflows_dueurge_changelist"), {"q": item.title[:6]})

    assert actions.status_code == searched.status_code == urges.status_code == 200
    assert actions.context["cl"].result_count == searched.context["cl"].result_count == 1
    assert urges.context["cl"].result_count == 1
    assert reverse("admin:workflows_dueaction_add") not in actions.content.decode()
    assert reverse("admin:workflows_dueurge_add") not in urges.content.decode()
    assert not actions.context["has_add_permission"] and not urges.context["has_add_permission"]
    assert admin_client.get(reverse("admin:workflows_dueaction_add")).status_code == 403
    assert admin_client.get(reverse("admin:workflows_dueurge_add")).status_code == 403
    action = DueAction.objects.get()
    assert admin_client.post(reverse("admin:workflows_dueaction_delete", args=[action.pk]), {"post": "yes"}
                             ).status_code == 403
    assert DueAction.objects.filter(pk=action.pk).exists()


def test_each_board_lists_its_own_side_only(client, world, cadres):  # noqa: F811
    # given a late proposal deadline and a late nomination chain task, both swept (which files them by board)
    proposal = assigned(world, mode="sole")
    proposal_item = DueItem.objects.get(subject_id=str(proposal.assignments.get().pk), purpose="receipt")
    cases.at_motion_gate(cadres)
    case_item = DueItem.objects.get(purpose=TASK_DUE, state=DueItem.State.OPEN)
    sweeps.sweep()
    DueItem.objects.filter(pk__in=[proposal_item.pk, case_item.pk]).update(level=DueItem.Level.RED)

    def listed(user):
        client.force_login(user)
        page = client.get(reverse("workflows:due_board"), {"level": DueItem.Level.RED})
        assert page.status_code == 200
        return {item.pk for item in page.context["items"]}, page.context["totals"].counts[DueItem.Level.RED]

    # then 督查室 sees the proposals' side only, the departments' leaders the cadre side only
    assert listed(world.office) == ({proposal_item.pk}, 1)
    assert listed(cadres.orglead1) == ({case_item.pk}, 1)
    client.force_login(world.office)
    assert client.get(reverse("workflows:due_open", args=[case_item.pk])).status_code == 404
