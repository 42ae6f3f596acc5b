"""The stage runner and the approval actions, on a test slot whose case is a plain Unit."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from tests.factories import UserFactory
from tests.workflows.chain_slot import OUTCOMES, SLOT, start, task_of
from workflows import chains, definitions, stages
from workflows.errors import PermissionDeniedError, ServiceError, StaleStateError
from workflows.models import AuditEvent, DefinitionVersion, DueItem, StageDefinition, StageRun, StageTask

pytestmark = pytest.mark.django_db


def statuses(run, order):
    return dict(run.tasks.filter(stage_order=order).values_list("assignee__username", "status"))


def test_or_sign_first_approval_closes_the_others_and_opens_the_next_stage(people):
    run = start(people)
    assert statuses(run, 1) == {"r1": "open", "r2": "open"}
    stages.approve(actor=people["r2"], task=task_of(run, "r2"), comment="同意")
    assert statuses(run, 1) == {"r1": "canceled", "r2": "approved"}
    assert statuses(run, 2) == {"h1": "open", "h2": "open", "h3": "open"}
    # the one who lost the race gets a clear refusal
    with pytest.raises(StaleStateError):
        stages.approve(actor=people["r1"], task=run.tasks.get(assignee__username="r1"))


def test_countersign_needs_everyone_and_then_the_chain_is_approved(people):
    run = start(people)
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))
    for name in ("h1", "h2"):
        stages.approve(actor=people[name], task=task_of(run, name))
    assert StageRun.objects.get(pk=run.pk).status == "running"
    stages.approve(actor=people["h3"], task=task_of(run, "h3"))
    assert StageRun.objects.get(pk=run.pk).status == "approved"
    assert OUTCOMES == ["approved"]


def test_reject_ends_the_chain_and_needs_a_comment(people):
    run = start(people)
    with pytest.raises(ServiceError) as error:
        stages.reject(actor=people["r1"], task=task_of(run, "r1"), comment=" ")
    assert "请填写意见" in error.value.message
    stages.reject(actor=people["r1"], task=task_of(run, "r1"), comment="材料不全")
    assert StageRun.objects.get(pk=run.pk).status == "rejected" and OUTCOMES == ["rejected"]
    assert not run.tasks.filter(status__in=["open", "waiting"]).exists()


def test_only_the_assignee_acts(people):
    run = start(people)
    with pytest.raises(PermissionDeniedError):
        stages.approve(actor=people["h1"], task=task_of(run, "r1"))


def test_return_to_an_earlier_stage_walks_the_chain_again(people):
    run = start(people)
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))
    stages.return_to(actor=people["h1"], task=task_of(run, "h1"), to_order=1, comment="请补充意见")
    assert statuses(run, 2) == {"h1": "returned", "h2": "canceled", "h3": "canceled"}
    assert run.tasks.filter(stage_order=1, status="open").count() == 2
    with pytest.raises(ServiceError):
        stages.return_to(actor=people["r1"], task=task_of(run, "r1"), to_order=2, comment="x")


def test_return_to_the_applicant_ends_the_chain(people):
    run = start(people)
    stages.return_to(actor=people["r1"], task=task_of(run, "r1"), to_order=None, comment="退回申请人")
    assert StageRun.objects.get(pk=run.pk).status == "returned" and OUTCOMES == ["returned"]


def test_transfer_only_to_someone_with_the_role_and_the_deadline_stays(people):
    run = start(people)
    mine = task_of(run, "r1")
    with pytest.raises(ServiceError):
        stages.transfer(actor=people["r1"], task=mine, to_user=people["h1"])
    # r2 already has a task in this 或签; hand it to a new reviewer
    newcomer = UserFactory(username="r3")
    newcomer.groups.add(Group.objects.get(name="t_reviewers"))
    before = DueItem.objects.get(subject_id=str(mine.pk), purpose="stage-task")
    new = stages.transfer(actor=people["r1"], task=mine, to_user=newcomer, comment="出差，转交")
    after = DueItem.objects.get(subject_id=str(new.pk), purpose="stage-task")
    assert new.status == "open" and (after.state, after.due_at) == ("open", before.due_at)
    assert StageTask.objects.get(pk=mine.pk).status == "transferred"
    assert DueItem.objects.get(pk=before.pk).state == "canceled"


def test_add_signer_before_me_then_my_turn_comes_back(people):
    run = start(people)
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))
    people["r1"].groups.add(Group.objects.get(name="t_heads"))  # 加签 goes only to a holder of the stage's role
    mine = task_of(run, "h1")
    added = stages.add_signer(actor=people["h1"], task=mine, user=people["r1"], position="before", comment="请先把关")
    assert StageTask.objects.get(pk=mine.pk).status == "waiting" and added.status == "open"
    stages.approve(actor=people["r1"], task=added)
    assert StageTask.objects.get(pk=mine.pk).status == "open"


def test_add_signer_into_a_running_countersign_and_remove_it_again(people):
    run = start(people)
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))
    for name in ("h1", "h2"):
        stages.approve(actor=people[name], task=task_of(run, name))
    people["r2"].groups.add(Group.objects.get(name="t_heads"))
    extra = stages.add_signer(actor=people["h3"], task=task_of(run, "h3"), user=people["r2"], position="parallel")
    stages.approve(actor=people["h3"], task=task_of(run, "h3"))
    assert StageRun.objects.get(pk=run.pk).status == "running"  # the added co-signer must sign too
    with pytest.raises(PermissionDeniedError):
        stages.remove_signer(actor=people["h1"], task=extra)
    stages.remove_signer(actor=people["h3"], task=extra, comment="不需要了")
    assert StageRun.objects.get(pk=run.pk).status == "approved"


def test_add_signer_after_me(people):
    run = start(people)
    people["h1"].groups.add(Group.objects.get(name="t_reviewers"))
    stages.add_signer(actor=people["r1"], task=task_of(run, "r1"), user=people["h1"], position="after")
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))
    assert run.tasks.get(stage_order=1, assignee__username="h1").status == "open"
    assert not run.tasks.filter(stage_order=2).exists()


def test_withdraw_only_before_anyone_acted(people):
    run = start(people)
    with pytest.raises(PermissionDeniedError):
        stages.withdraw(actor=people["r1"], run=run)
    stages.withdraw(actor=people["applicant"], run=run, comment="撤回修改")
    assert StageRun.objects.get(pk=run.pk).status == "withdrawn" and OUTCOMES == ["withdrawn"]
    second = start(people)
    stages.approve(actor=people["r1"], task=task_of(second, "r1"))
    with pytest.raises(ServiceError) as error:
        stages.withdraw(actor=people["applicant"], run=second)
    assert error.value.code == "already_acted"


def test_delegate_acts_inside_the_range_and_the_timeline_says_who_for_whom(people):
    run = start(people)
    # A colleague in the same role who joined after the case started (so without a task of their own).
    deputy = UserFactory(username="deputy", roles=["t_reviewers"])
    today = timezone.localdate()
    stages.delegation_create(actor=people["r1"], principal=people["r1"], delegate=deputy, starts_on=today,
                             ends_on=today + datetime.timedelta(days=3), reason="出差")
    task = stages.open_task_for(deputy, run)
    assert task.assignee == people["r1"]
    stages.approve(actor=deputy, task=task, comment="同意")
    event = AuditEvent.objects.get(action="chain.approve")
    assert event.actor == deputy and event.on_behalf_of == people["r1"]
    stages.delegation_create(actor=people["r2"], principal=people["r2"], delegate=deputy,
                             starts_on=today + datetime.timedelta(days=5), ends_on=today + datetime.timedelta(days=6))
    other = start(people)
    # still r1's range, never r2's
    assert stages.acting_for(deputy, task_of(other, "r1")) == people["r1"]
    assert stages.acting_for(deputy, task_of(other, "r2")) is None


def test_batch_approve_is_refused_where_the_stage_does_not_allow_it(people):
    run = start(people)
    done, refused = stages.batch_approve(actor=people["r1"], tasks=[task_of(run, "r1")])
    assert done == [] and "不允许批量同意" in refused[0][1]
    StageDefinition.objects.filter(key="first").update(allow_batch_approve=True)
    done, refused = stages.batch_approve(actor=people["r1"], tasks=[task_of(run, "r1")], comment="同意")
    assert len(done) == 1 and refused == []


def test_handover_moves_open_tasks_and_deactivates_the_account(people):
    run = start(people)
    successor = UserFactory(username="successor")
    moved = stages.handover(actor=people["admin"], departing=people["r1"], successor=successor, comment="调离")
    people["r1"].refresh_from_db()
    assert moved == 1 and not people["r1"].is_active
    assert run.tasks.get(assignee=successor).status == "open"
    assert successor.groups.filter(name="t_reviewers").exists()


def test_each_open_task_has_a_due_item_that_closes_with_it(people):
    run = start(people)
    task = task_of(run, "r1")
    item = DueItem.objects.get(subject_id=str(task.pk), purpose="stage-task")
    assert item.state == "open" and item.due_at > task.opened_at
    stages.approve(actor=people["r1"], task=task)
    assert DueItem.objects.get(pk=item.pk).state == "done"


def test_skip_rule_skips_the_stage_and_says_so_on_the_timeline(people):
    draft = definitions.draft_create(actor=people["admin"], slot=stages.published_version(SLOT).slot)
    draft.stages.filter(key="first").update(skip_field="phone", skip_operator="empty")
    definitions.draft_publish(actor=people["admin"], version=draft)
    run = start(people, phone="")
    assert run.tasks.filter(stage_order=1).count() == 0
    assert AuditEvent.objects.filter(action="chain.stage_skipped", comment="初审").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"deadline_amount": 3}, "不得少于法定的 5 个工作日"),
        ({"auto_action": "approve"}, "不能逾期自动同意"),
        ({"skip_field": "phone", "skip_operator": "empty"}, "不能设置跳过条件"),
    ],
)
def test_fixed_stages_cannot_be_weakened(people, change, message):
    draft = definitions.draft_create(actor=people["admin"], slot=stages.published_version(SLOT).slot)
    draft.stages.filter(key="legal").update(**change)
    with pytest.raises(ServiceError) as error:
        definitions.draft_publish(actor=people["admin"], version=draft)
    assert message in error.value.message


def test_fixed_stage_cannot_be_removed(people):
    draft = definitions.draft_create(actor=people["admin"], slot=stages.published_version(SLOT).slot)
    draft.stages.filter(key="legal").delete()
    assert any("不能删除" in e for e in chains.validate(draft))


def test_new_cases_use_the_new_version_and_running_ones_keep_theirs(people):
    old_run = start(people)
    draft = definitions.draft_create(actor=people["admin"], slot=old_run.slot)
    StageDefinition.objects.create(version=draft, order=3, key="extra", name="加一道", role=Group.objects.get(
        name="t_heads"), mode="any")
    definitions.draft_publish(actor=people["admin"], version=draft)
    new_run = start(people)
    assert old_run.version.number == 1 and new_run.version.number == 2
    assert DefinitionVersion.objects.get(pk=old_run.version.pk).status == "retired"
    assert [row["new"] for row in definitions.compare(old_run.version, new_run.version)] == ["新增"]
    # moving the old case is explicit, previewed and audited
    landing = definitions.migration_preview(version=new_run.version)
    assert [(row.run.pk, row.to_stage) for row in landing] == [(old_run.pk, "初审")]
    definitions.migrate_run(actor=people["admin"], run=old_run, version=new_run.version)
    assert StageRun.objects.get(pk=old_run.pk).version == new_run.version
    assert AuditEvent.objects.filter(action="chain.migrated").count() == 1


def test_a_user_sets_a_delegation_and_the_delegate_sees_the_task_in_the_inbox(people, client):
    today = timezone.localdate()
    client.force_login(people["r1"])
    response = client.post("/me/", {"delegate": UserFactory(username="deputy", roles=["t_reviewers"]).pk,
                                    "starts_on": today,
                                    "ends_on": today + datetime.timedelta(days=2), "reason": "出差"})
    assert response.status_code == 302
    run = start(people)
    client.force_login(get_user_model().objects.get(username="deputy"))
    page = client.get("/inbox/").content.decode()
    assert run.case_label in page and "代" in page


def test_handover_page_is_for_administrators_only(people, client):
    client.force_login(people["r1"])
    assert client.get("/handover/").status_code == 404
    client.force_login(people["admin"])
    successor = UserFactory(username="successor")
    start(people)
    response = client.post("/handover/", {"departing": people["r1"].pk, "successor": successor.pk,
                                          "comment": "调离"}, follow=True)
    assert "已移交 1 项待办" in response.content.decode()


def test_stages_sharing_an_order_run_in_parallel_and_both_must_pass(people):
    draft = definitions.draft_create(actor=people["admin"], slot=stages.published_version(SLOT).slot)
    draft.stages.filter(key="legal").update(order=1)
    assert chains.validate(draft) == []
    definitions.draft_publish(actor=people["admin"], version=draft)
    run = start(people)
    assert set(run.tasks.filter(status="open").values_list("assignee__username", flat=True)) == {
        "r1", "r2", "h1", "h2", "h3"}
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))  # 初审 (或签) passes ...
    assert StageRun.objects.get(pk=run.pk).status == "running"  # ... but the parallel 法定审核 has not
    for name in ("h1", "h2", "h3"):
        stages.approve(actor=people[name], task=task_of(run, name))
    assert StageRun.objects.get(pk=run.pk).status == "approved"
    assert run.tasks.filter(status="approved").count() == 4


def test_a_signer_added_before_me_who_disapproves_in_a_ratio_stage_hands_the_turn_back(people):
    # found by the property test: the principal used to wait for a signer who had already said no
    StageDefinition.objects.filter(version__slot__code=SLOT, key="first").update(mode="ratio", ratio=50)
    run = start(people)
    people["applicant"].groups.add(Group.objects.get(name="t_reviewers"))
    added = stages.add_signer(actor=people["r1"], task=task_of(run, "r1"), user=people["applicant"],
                              position="before")
    stages.approve(actor=people["r2"], task=task_of(run, "r2"))
    stages.reject(actor=people["applicant"], task=added, comment="不同意")
    assert task_of(run, "r1").status == "open"
    assert StageRun.objects.get(pk=run.pk).status == "running"


def test_a_ratio_stage_walked_again_after_a_return_counts_only_its_new_signatures(people):
    # found by the property test: the first pass's returned and cancelled tasks used to count in the share, so the
    # second pass could never reach it and the chain waited on nobody
    StageDefinition.objects.filter(version__slot__code=SLOT, key="legal").update(mode="ratio", ratio=60)
    run = start(people)
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))
    first_order = run.tasks.get(assignee__username="r1").stage_order
    stages.return_to(actor=people["h1"], task=task_of(run, "h1"), to_order=first_order, comment="材料不全")
    stages.approve(actor=people["r1"], task=task_of(run, "r1"))
    # when: two of the three heads approve the second pass (2/3 ≥ 60%)
    stages.approve(actor=people["h1"], task=task_of(run, "h1"))
    stages.approve(actor=people["h2"], task=task_of(run, "h2"))
    # then
    assert StageRun.objects.get(pk=run.pk).status == "approved"
    assert not run.tasks.filter(status__in=["open", "waiting"]).exists()
