"""Decisions recorded as made: a decision stage stores its outcome on the task, the run and the timeline, and no
path writes 同意 for it."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from tests.workflows.chain_slot import OUTCOMES, start, start_decision, task_of
from workflows import selectors, stages
from workflows.errors import PermissionDeniedError, ServiceError
from workflows.models import AuditEvent, StageRun, StageTask, WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_decision(people):
    """A decision chain whose 初审 passed: h1, h2, h3 hold 审定."""
    run = start_decision(people)
    stages.approve(actor=people["r1"], task=task_of(run, "r1"), comment="材料齐全")
    return run


def test_a_refusal_is_recorded_as_the_decision_made(people, at_decision):
    run = at_decision
    task = task_of(run, "h1")

    stages.decide(actor=people["h1"], task=task, outcome="refuse", comment="不符合立案条件")

    task.refresh_from_db()
    run.refresh_from_db()
    assert (task.status, task.outcome, task.comment) == (StageTask.Status.DECIDED, "refuse", "不符合立案条件")
    assert (run.status, run.outcome) == (StageRun.Status.DECIDED, "refuse")
    assert OUTCOMES == ["decided"]
    rows = list(AuditEvent.objects.filter(subject_id=str(run.subject_id), from_state="审定")
                .values_list("action", "to_state", "comment"))
    assert rows == [("chain.decided", "不予立案", "不符合立案条件")]
    # the chain's end is the decision itself: no "审批通过" and no second "已决定" row
    assert not AuditEvent.objects.filter(action__in=["chain.approved", "chain.approve"], from_state="审定").exists()
    assert AuditEvent.objects.filter(action="chain.decided").count() == 1
    assert not run.tasks.filter(status__in=["open", "waiting"]).exists()
    assert not WorkItem.objects.filter(state=WorkItem.State.OPEN).exists()
    assert WorkItem.objects.get(target_id=str(task.pk)).state == WorkItem.State.DONE


def test_without_a_comment_the_timeline_reads_the_outcome(people, at_decision):
    stages.decide(actor=people["h2"], task=task_of(at_decision, "h2"), outcome="merge")
    assert AuditEvent.objects.get(action="chain.decided").comment == "并案"


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_decision_stage_takes_no_approval_or_disapproval(people, at_decision, action):
    task = task_of(at_decision, "h1")
    with pytest.raises(ServiceError) as error:
        getattr(stages, action)(actor=people["h1"], task=task, comment="同意")
    assert (error.value.code, error.value.message) == ("decision_required", "请选择决定结果。")
    assert StageTask.objects.get(pk=task.pk).status == StageTask.Status.OPEN
    assert not AuditEvent.objects.filter(from_state="审定").exists()


def test_batch_approval_refuses_a_decision_too(people, at_decision):
    done, refused = stages.batch_approve(actor=people["h1"], tasks=[task_of(at_decision, "h1")])
    assert done == [] and len(refused) == 1


def test_only_a_declared_outcome_on_a_decision_stage_by_its_holder(people, at_decision):
    task = task_of(at_decision, "h1")
    with pytest.raises(ServiceError) as error:
        stages.decide(actor=people["h1"], task=task, outcome="approve")
    assert error.value.code == "bad_outcome"
    with pytest.raises(PermissionDeniedError):
        stages.decide(actor=people["r1"], task=task, outcome="accept")
    plain = start(people)
    with pytest.raises(ServiceError) as error:
        stages.decide(actor=people["r1"], task=task_of(plain, "r1"), outcome="accept")
    assert error.value.code == "not_a_decision"


def test_the_chain_panel_offers_the_outcomes_and_shows_the_decision_made(people, at_decision):
    run = at_decision
    panel = selectors.chain_panel(people["h1"], run)
    assert panel["outcomes"] == [("accept", "立案"), ("refuse", "不予立案"), ("merge", "并案")]
    request = RequestFactory().get("/units/")
    request.user = people["h1"]
    page = render_to_string("workflows/_chain.html", {"chain": panel, "user": people["h1"]}, request=request)
    assert 'value="refuse"' in page and 'value="decide"' in page and 'value="approve"' not in page

    stages.decide(actor=people["h1"], task=task_of(run, "h1"), outcome="refuse", comment="不符合立案条件")

    run.refresh_from_db()
    panel = selectors.chain_panel(people["h1"], run)
    page = render_to_string("workflows/_chain.html", {"chain": panel, "user": people["h1"]}, request=request)
    assert page.count('<span class="status">不予立案</span>') == 1
    assert page.count('<span class="status">同意</span>') == 1  # r1's 初审 only; the 审定 reads as decided


def test_the_decision_form_posts_through_the_task_endpoint(people, at_decision, client):
    task = task_of(at_decision, "h3")
    client.force_login(people["h3"])

    url = reverse("chains:task_action", args=[task.pk])
    refused = client.post(url, {"action": "approve", "next": "/inbox/"}, follow=True)
    assert "请选择决定结果" in refused.content.decode()
    response = client.post(url, {"action": "decide", "outcome": "accept", "comment": "予以立案", "next": "/inbox/"},
                           follow=True)

    assert "已记录决定" in response.content.decode()
    assert StageRun.objects.get(pk=at_decision.pk).outcome == "accept"
