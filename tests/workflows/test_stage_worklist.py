"""Chain stages in the one worklist: every open stage task is one open work item linked to its one due item, which is
the only stored deadline; the runner locks the case before the run; a lost race is a message, never a 500."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.utils import OperationalError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.workflows.chain_slot import SLOT, start, task_of
from workflows import due, selectors, stages, sweeps, work
from workflows.calendar import CHINA
from workflows.models import AuditEvent, DueItem, StageDefinition, StageRun, StageTask, Unit, WorkItem

pytestmark = pytest.mark.django_db

STEP_FIRST, STEP_LEGAL = f"stage:{SLOT}:first", f"stage:{SLOT}:legal"


def open_items(run) -> dict[str, str]:
    """username -> step of the open work items of the run's case."""
    return {item.assignee.username: item.step for item in work.case_items(run.subject)}


def item_of(task) -> WorkItem:
    return WorkItem.objects.get(target_type=ContentType.objects.get_for_model(StageTask), target_id=str(task.pk),
                                state=WorkItem.State.OPEN)


def due_of(task) -> DueItem:
    return DueItem.objects.get(subject_id=str(task.pk), purpose=stages.TASK_DUE, state=DueItem.State.OPEN)


def test_each_open_task_is_one_work_item_of_the_case_linked_to_its_due_item(people):
    run = start(people)

    r1 = task_of(run, "r1")
    item = item_of(r1)
    assert open_items(run) == {"r1": STEP_FIRST, "r2": STEP_FIRST}
    assert (item.case, item.target, item.assignee, item.title, item.link, item.case_label) == (
        run.subject, r1, people["r1"], "初审", run.case_link, run.case_label)
    assert item.due_item == due_of(r1)
    assert [i.pk for i in work.inbox(people["r1"])] == [item.pk]
    holding = work.case_holdings(run.subject)[0]
    assert holding.due_at == due_of(r1).due_at and holding.due_label == due_of(r1).title


def test_an_approval_closes_its_item_cancels_the_or_sign_siblings_and_opens_the_next_stage(people):
    run = start(people)
    r1, r2 = task_of(run, "r1"), task_of(run, "r2")
    r1_item, r2_item = item_of(r1), item_of(r2)

    stages.approve(actor=people["r1"], task=r1, comment="同意")

    r1_item.refresh_from_db()
    r2_item.refresh_from_db()
    assert (r1_item.state, r1_item.closed_by) == (WorkItem.State.DONE, people["r1"])
    assert r2_item.state == WorkItem.State.CANCELED
    assert open_items(run) == {"h1": STEP_LEGAL, "h2": STEP_LEGAL, "h3": STEP_LEGAL}
    assert not work.inbox(people["r1"]).exists() and work.counts(people["h1"]) == {"inbox": 1, "queue": 0}


def test_a_transfer_moves_the_item_to_the_new_holder(people):
    run = start(people)
    newcomer = UserFactory(username="r3")
    newcomer.groups.add(Group.objects.get(name="t_reviewers"))

    new = stages.transfer(actor=people["r1"], task=task_of(run, "r1"), to_user=newcomer)

    assert open_items(run) == {"r2": STEP_FIRST, "r3": STEP_FIRST}
    assert item_of(new).due_item == due_of(new)


def test_a_signer_before_me_suspends_my_item_and_my_turn_opens_a_new_one(people):
    run = start(people)
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))
    mine = task_of(run, "h1")
    first_item = item_of(mine)
    people["r1"].groups.add(Group.objects.get(name="t_heads"))  # 加签 goes only to a holder of the stage's role

    added = stages.add_signer(actor=people["h1"], task=mine, user=people["r1"], position="before")

    assert open_items(run) == {"r1": STEP_LEGAL, "h2": STEP_LEGAL, "h3": STEP_LEGAL}
    assert WorkItem.objects.get(pk=first_item.pk).state == WorkItem.State.CANCELED
    stages.approve(actor=people["r1"], task=added)
    again = item_of(mine)
    assert again.pk != first_item.pk and again.due_item == due_of(mine)
    assert open_items(run) == {"h1": STEP_LEGAL, "h2": STEP_LEGAL, "h3": STEP_LEGAL}


def test_withdraw_and_the_end_of_the_chain_leave_no_item_open(people):
    run = start(people)
    stages.withdraw(actor=people["applicant"], run=run)
    assert open_items(run) == {}
    assert set(WorkItem.objects.values_list("state", flat=True)) == {WorkItem.State.CANCELED}


def test_a_delegate_finds_the_principals_item_in_their_inbox(people):
    run = start(people)
    deputy = UserFactory(username="deputy", roles=["t_reviewers"])  # joined the role after the case started
    today = timezone.localdate()
    stages.delegation_create(actor=people["r1"], principal=people["r1"], delegate=deputy, starts_on=today,
                             ends_on=today + datetime.timedelta(days=2))

    assert [item.target for item in work.inbox(deputy)] == [task_of(run, "r1")]


def test_a_handover_moves_the_open_item_to_the_successor(people):
    run = start(people)
    successor = UserFactory(username="successor")

    stages.handover(actor=people["admin"], departing=people["r1"], successor=successor)

    assert open_items(run) == {"successor": STEP_FIRST, "r2": STEP_FIRST}
    task = run.tasks.get(assignee=successor)
    assert item_of(task).due_item == due_of(task)


def test_a_handover_gives_the_successor_the_steps_the_departing_person_claimed(people):
    run = start(people)
    office = Group.objects.create(name="t_handover_office")
    people["r1"].groups.add(office)
    claimed = work.open_item(case=run.subject, step="t.assign", title="交办", link=run.case_link, role=office)
    work.claim(actor=people["r1"], item=claimed)
    successor = UserFactory(username="successor")

    stages.handover(actor=people["admin"], departing=people["r1"], successor=successor)

    assert WorkItem.objects.get(pk=claimed.pk).assignee == successor
    assert claimed.pk in {item.pk for item in work.inbox(successor)}
    event = AuditEvent.objects.get(action="user.handed_over")
    assert event.changes["claimed"] == 1 and event.changes["tasks"] == 1
    on_case = AuditEvent.objects.get(action="work.handed_over")  # the case's timeline says who holds it now
    assert (on_case.subject_id, on_case.comment) == (str(run.subject.pk), "交办")
    assert on_case.changes == {"from": people["r1"].get_username(), "to": "successor"}


# --- one deadline source -------------------------------------------------------------------------------------------


def test_a_moved_due_item_is_the_date_every_page_shows_and_the_automatic_action_follows(people, travel, client):
    # given a lone reviewer whose stage returns the case by itself when seriously overdue
    people["r2"].is_active = False
    people["r2"].save(update_fields=["is_active"])
    StageDefinition.objects.filter(version__slot__code=SLOT, key="first").update(auto_action="return")
    travel(2026, 6, 1, 10)
    run = start(people)
    task = task_of(run, "r1")

    # when the deadline is extended by a month
    later = datetime.datetime(2026, 7, 8, 23, 59, 59, tzinfo=CHINA)
    due.move_due_item(subject=task, purpose=stages.TASK_DUE, due_at=later)

    # then the chain panel, the inbox, the worklist and the case holdings show the new date
    panel_task = selectors.chain_panel(people["r1"], run)["boxes"][0]["tasks"][0]
    assert panel_task.due_at == later
    assert work.inbox(people["r1"]).get().due_item.due_at == later
    assert work.case_holdings(run.subject)[0].due_at == later
    client.force_login(people["r1"])
    assert "2026-07-08" in client.get(reverse("workflows:inbox")).content.decode()
    # and the automatic return waits for the new date: not at the old one's 红 …
    travel(2026, 6, 15, 9)
    sweeps.sweep()
    assert StageTask.objects.get(pk=task.pk).status == StageTask.Status.OPEN
    # … but at the new one's
    travel(2026, 7, 15, 9)
    sweeps.sweep()
    assert StageTask.objects.get(pk=task.pk).status == StageTask.Status.RETURNED
    assert StageRun.objects.get(pk=run.pk).status == StageRun.Status.RETURNED


def test_the_chain_panel_reads_the_deadlines_at_a_fixed_query_count(people):
    run = start(people)
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))

    def panel_queries():
        with CaptureQueriesContext(connection) as context:
            selectors.chain_panel(people["h1"], StageRun.objects.select_related("version", "slot").get(pk=run.pk))
        return len(context.captured_queries)

    few = panel_queries()
    for name in ("r1", "r2"):
        people[name].groups.add(Group.objects.get(name="t_heads"))
    stages.add_signer(actor=people["h1"], task=task_of(run, "h1"), user=people["r2"], position="parallel")
    stages.add_signer(actor=people["h2"], task=task_of(run, "h2"), user=people["r1"], position="parallel")
    assert panel_queries() == few


# --- lock order ----------------------------------------------------------------------------------------------------


def _locked_tables(queries) -> list[str]:
    return [q["sql"].split(" FROM ")[1].split()[0].strip('"') for q in queries if " FOR UPDATE" in q["sql"]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks to order")
def test_every_action_locks_the_case_before_the_run_and_only_those_rows(people):
    run = start(people)
    unit, stagerun = Unit._meta.db_table, StageRun._meta.db_table

    with CaptureQueriesContext(connection) as context:
        stages.approve(actor=people["r1"], task=task_of(run, "r1"))
    assert _locked_tables(context.captured_queries)[:2] == [unit, stagerun]
    assert all(" FOR UPDATE OF " in q["sql"] for q in context.captured_queries if " FOR UPDATE" in q["sql"])

    second = start(people)
    with CaptureQueriesContext(connection) as context:
        stages.withdraw(actor=people["applicant"], run=second)
    assert _locked_tables(context.captured_queries)[:2] == [unit, stagerun]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_the_sweep_claims_due_items_locking_no_content_type(people):
    start(people)
    with CaptureQueriesContext(connection) as context:
        sweeps.sweep()
    claims = [q["sql"] for q in context.captured_queries if "SKIP LOCKED" in q["sql"]]
    assert claims and all(f'FOR UPDATE OF "{DueItem._meta.db_table}" SKIP LOCKED' in sql for sql in claims)


# --- the views: someone acting first is a message ------------------------------------------------------------------


def test_acting_on_a_task_someone_settled_first_says_so_instead_of_failing(people, client):
    run = start(people)
    r1 = task_of(run, "r1")
    stages.approve(actor=people["r2"], task=task_of(run, "r2"))
    client.force_login(people["r1"])

    response = client.post(reverse("chains:task_action", args=[r1.pk]), {"action": "approve", "next": "/inbox/"},
                           follow=True)

    assert response.status_code == 200
    assert "该事项已被他人处理或状态已变化" in response.content.decode()


def test_a_lost_lock_race_is_tried_again_then_answered_as_stale(people, client, monkeypatch):
    run = start(people)
    calls = []

    def deadlocked(**kwargs):
        calls.append(kwargs)
        raise OperationalError("database is locked")

    monkeypatch.setattr(stages, "approve", deadlocked)
    client.force_login(people["r1"])

    url = reverse("chains:task_action", args=[task_of(run, "r1").pk])
    response = client.post(url, {"action": "approve", "next": "/inbox/"}, follow=True)

    assert response.status_code == 200 and len(calls) == 2
    assert "该事项已被他人处理或状态已变化" in response.content.decode()
    assert not AuditEvent.objects.filter(action="chain.approve").exists()


def test_another_database_error_is_not_hidden(people, client, monkeypatch):
    run = start(people)
    monkeypatch.setattr(stages, "approve", lambda **kwargs: (_ for _ in ()).throw(OperationalError("disk I/O")))
    client.force_login(people["r1"])
    client.raise_request_exception = True
    with pytest.raises(OperationalError):
        client.post(reverse("chains:task_action", args=[task_of(run, "r1").pk]), {"action": "approve"})
