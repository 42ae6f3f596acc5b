"""Random sequences of 同意/不同意/退回/转交/加签/减签/撤回/委托 over random chains (hypothesis, stateful).

After every step: each stage of the current step has exactly its open tasks and no stage elsewhere has any; nothing
is lost (a running chain always has someone to act) or doubled (one turn per person and stage); every open task has
exactly one open due item and one open work item, linked to each other, and no other task has either; the timeline
holds exactly the actions done, in order, and the chain's end once.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.factories import UnitFactory, UserFactory
from tests.workflows.chain_slot import OUTCOMES
from workflows import chains, stages
from workflows.errors import ServiceError
from workflows.models import (
    AuditEvent,
    DefinitionVersion,
    DueItem,
    FlowSlot,
    StageDefinition,
    StageRun,
    StageTask,
    WorkItem,
)

pytestmark = pytest.mark.django_db

SLOT = "test-random-chain"
Mode, Status, Added = StageDefinition.Mode, StageTask.Status, StageTask.Added
LIVE = (Status.OPEN, Status.WAITING)
# The timeline rows the actions write (the machine expects exactly these, in order).
ACTIONS = ("chain.approve", "chain.reject", "chain.return_applicant", "chain.return_stage", "chain.transfer",
           "chain.add_signer", "chain.remove_signer", "chain.withdrawn")
ENDS = ("chain.approved", "chain.rejected", "chain.returned", "chain.withdrawn")


def _assignees(subject, stage):
    # the spare holders of each role are only ever reached by 转交 or 加签
    return list(stage.role.user_set.filter(is_active=True).exclude(username__startswith="spare")
                .order_by("username"))


chains.register(chains.SlotSpec(
    code=SLOT, name="随机审批链",
    stages=(chains.StageSpec(key="s1", name="环节1", role="t_reviewers"),),
    resolve_assignees=_assignees,
    on_finish=lambda run, outcome, actor: OUTCOMES.append(outcome),
    describe=lambda unit: (f"随机案件 {unit.name}", f"/units/{unit.pk}/"),
))

STAGE = st.fixed_dictionaries({
    "role": st.sampled_from(["t_reviewers", "t_heads"]),
    "mode": st.sampled_from([Mode.ANY, Mode.ALL, Mode.SEQUENTIAL, Mode.RATIO]),
    "ratio": st.sampled_from([50, 67, 100]),
    "parallel": st.booleans(),  # shares the previous stage's 顺序 (never for 依次)
})


class ChainMachine(RuleBasedStateMachine):
    people: dict = {}

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back at teardown: examples never see each other's rows.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.run = None
        self.status = ""
        self.snapshot: list[StageTask] = []
        self.expected: list[str] = []

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- setup ------------------------------------------------------------------------------------------------------

    @initialize(shape=st.lists(STAGE, min_size=1, max_size=4))
    def start(self, shape):
        slot = FlowSlot.objects.get(code=SLOT)
        DefinitionVersion.objects.filter(slot=slot, status=DefinitionVersion.Status.PUBLISHED).update(
            status=DefinitionVersion.Status.RETIRED)
        version = DefinitionVersion.objects.create(slot=slot, number=slot.versions.count() + 1,
                                                   status=DefinitionVersion.Status.PUBLISHED)
        order = 0
        for index, stage in enumerate(shape):
            parallel = stage["parallel"] and index > 0 and stage["mode"] != Mode.SEQUENTIAL and (
                shape[index - 1]["mode"] != Mode.SEQUENTIAL)
            order += 0 if parallel else 1
            StageDefinition.objects.create(
                version=version, order=order, key=f"s{index + 1}", name=f"环节{index + 1}",
                role=Group.objects.get(name=stage["role"]), scope=StageDefinition.Scope.ANY, mode=stage["mode"],
                ratio=stage["ratio"])
        self.run = stages.start_chain(slot_code=SLOT, subject=UnitFactory(), actor=self.people["applicant"])
        self.refresh()

    # --- helpers ----------------------------------------------------------------------------------------------------

    def refresh(self):
        """Read the run's status and tasks once after each step (rules and invariants work on this)."""
        self.run = StageRun.objects.select_related("version", "slot").get(pk=self.run.pk)
        self.status = self.run.status
        self.snapshot = list(StageTask.objects.filter(run=self.run).select_related("stage", "assignee", "added_by")
                             .order_by("pk"))

    def tasks(self, *statuses):
        return [task for task in self.snapshot if task.status in statuses]

    def running(self) -> bool:
        return self.status == StageRun.Status.RUNNING

    def attempt(self, action: str, call):
        """Do one action: on success its timeline row is expected; a refusal must change nothing."""
        before = [(t.pk, t.status, t.assignee_id) for t in self.snapshot]
        try:
            call()
        except ServiceError:
            self.refresh()
            after = [(t.pk, t.status, t.assignee_id) for t in self.snapshot]
            assert after == before, f"a refused {action} changed the tasks"
            return False
        self.refresh()
        self.expected.append(action)
        return True

    # --- the actions --------------------------------------------------------------------------------------------------

    @precondition(lambda self: self.run is not None and not self.running())
    @rule()
    def start_again(self):
        """A new case on the same chain once the last one ended (a returned case is submitted again)."""
        self.run = stages.start_chain(slot_code=SLOT, subject=UnitFactory(), actor=self.people["applicant"])
        self.expected = []
        self.refresh()

    @precondition(lambda self: self.running())
    @rule(data=st.data())
    def approve(self, data):
        task = data.draw(st.sampled_from(self.tasks(Status.OPEN)))
        self.attempt("chain.approve", lambda: stages.approve(actor=task.assignee, task=task, comment="同意"))

    @precondition(lambda self: self.running())
    @rule(data=st.data())
    def reject(self, data):
        task = data.draw(st.sampled_from(self.tasks(Status.OPEN)))
        self.attempt("chain.reject", lambda: stages.reject(actor=task.assignee, task=task, comment="不同意"))

    @precondition(lambda self: self.running())
    @rule(data=st.data())
    def return_to(self, data):
        task = data.draw(st.sampled_from(self.tasks(Status.OPEN)))
        earlier = sorted({s.order for s in self.run.version.stages.filter(order__lt=task.stage_order)})
        to_order = data.draw(st.sampled_from([None, *earlier]))
        action = "chain.return_applicant" if to_order is None else "chain.return_stage"
        self.attempt(action, lambda: stages.return_to(actor=task.assignee, task=task, to_order=to_order,
                                                      comment="请修改"))

    @precondition(lambda self: self.running())
    @rule(data=st.data())
    def transfer(self, data):
        task = data.draw(st.sampled_from(self.tasks(Status.OPEN)))
        holders = task.stage.role.user_set.filter(is_active=True).order_by("username")
        to_user = data.draw(st.sampled_from(list(holders)))
        self.attempt("chain.transfer", lambda: stages.transfer(actor=task.assignee, task=task, to_user=to_user))

    @precondition(lambda self: self.running())
    @rule(data=st.data(), position=st.sampled_from([Added.BEFORE, Added.AFTER, Added.PARALLEL]))
    def add_signer(self, data, position):
        task = data.draw(st.sampled_from(self.tasks(Status.OPEN)))
        user = data.draw(st.sampled_from(sorted(self.people.values(), key=lambda u: u.username)))
        done = self.attempt("chain.add_signer", lambda: stages.add_signer(actor=task.assignee, task=task, user=user,
                                                                           position=position))
        holds_role = user.is_active and user.groups.filter(pk=task.stage.role_id).exists()
        assert holds_role or not done, "加签 to someone without the stage's role was accepted"

    @precondition(lambda self: self.running() and any(t.added not in ("", Added.TRANSFER)
                                                      for t in self.tasks(*LIVE)))
    @rule(data=st.data())
    def remove_signer(self, data):
        task = data.draw(st.sampled_from([t for t in self.tasks(*LIVE) if t.added not in ("", Added.TRANSFER)]))
        self.attempt("chain.remove_signer", lambda: stages.remove_signer(actor=task.added_by, task=task))

    @precondition(lambda self: self.running())
    @rule()
    def withdraw(self):
        acted = any(t.status not in (*LIVE, Status.CANCELED) for t in self.snapshot)
        done = self.attempt("chain.withdrawn", lambda: stages.withdraw(actor=self.people["applicant"], run=self.run))
        assert done is not acted, "撤回 is allowed exactly while nobody has acted"

    @precondition(lambda self: self.running())
    @rule(data=st.data())
    def delegate_approves(self, data):
        """委托: the holder's delegate acts, and the timeline says for whom."""
        task = data.draw(st.sampled_from(self.tasks(Status.OPEN)))
        deputy, today = self.people["deputy"], timezone.localdate()
        # A deputy added as a signer holds turns of their own: nobody delegates to themselves.
        assume(task.assignee_id != deputy.pk)
        if not task.assignee.delegations_given.filter(delegate=deputy, starts_on__lte=today,
                                                      ends_on__gte=today).exists():
            stages.delegation_create(actor=task.assignee, principal=task.assignee, delegate=deputy,
                                     starts_on=today, ends_on=today + datetime.timedelta(days=1))
        if self.attempt("chain.approve", lambda: stages.approve(actor=deputy, task=task, comment="代为同意")):
            event = AuditEvent.objects.filter(action="chain.approve").latest("pk")
            assert (event.actor, event.on_behalf_of) == (deputy, task.assignee)

    # --- what must hold after every step ----------------------------------------------------------------------------

    @invariant()
    def open_stages_have_exactly_their_open_tasks(self):
        if self.run is None:
            return
        run = self.run
        live = self.tasks(*LIVE)
        if run.status != StageRun.Status.RUNNING:
            assert live == [], "a finished chain keeps no open or waiting task"
            return
        # nothing lost: the current step has someone to act, and only the current step has tasks
        assert any(t.status == Status.OPEN for t in live), "a running chain waits on nobody"
        assert {t.stage_order for t in live} == {run.current_order}
        for stage_id in {t.stage_id for t in live}:
            in_stage = [t for t in live if t.stage_id == stage_id]
            assert any(t.status == Status.OPEN for t in in_stage), "a live stage waits on nobody"
            # nothing doubled: one turn per person and stage
            assignees = [t.assignee_id for t in in_stage]
            assert len(assignees) == len(set(assignees)), "one person holds two turns in a stage"
            if in_stage[0].stage.mode == Mode.SEQUENTIAL:
                assert sum(t.status == Status.OPEN for t in in_stage) == 1, "依次 opens one at a time"

    @invariant()
    def each_open_task_has_one_due_item_and_one_work_item(self):
        if self.run is None:
            return
        task_type = ContentType.objects.get_for_model(StageTask)
        tasks = {str(t.pk): t for t in self.snapshot}
        due = list(DueItem.objects.filter(subject_type=task_type, subject_id__in=tasks, state=DueItem.State.OPEN))
        work = list(WorkItem.objects.filter(target_type=task_type, target_id__in=tasks, state=WorkItem.State.OPEN))
        open_ids = sorted(pk for pk, t in tasks.items() if t.status == Status.OPEN)
        assert sorted(item.subject_id for item in due) == open_ids
        assert sorted(item.target_id for item in work) == open_ids
        due_by_task = {item.subject_id: item.pk for item in due}
        for item in work:
            task = tasks[item.target_id]
            assert (item.assignee_id, item.due_item_id) == (task.assignee_id, due_by_task[item.target_id])
            assert item.step == f"stage:{SLOT}:{task.stage.key}"
        # and the case holds no other open work item
        case_items = WorkItem.objects.filter(case_type=ContentType.objects.get_for_model(self.run.subject),
                                             case_id=str(self.run.subject_id), state=WorkItem.State.OPEN)
        assert case_items.count() == len(open_ids)

    @invariant()
    def the_timeline_matches_the_actions_done(self):
        if self.run is None:
            return
        rows = list(AuditEvent.objects.filter(subject_type=ContentType.objects.get_for_model(self.run.subject),
                                              subject_id=str(self.run.subject_id)).order_by("pk")
                    .values_list("action", flat=True))
        assert rows[0] == "chain.started" and rows.count("chain.started") == 1
        assert [row for row in rows if row in ACTIONS] == self.expected
        run = self.run
        ends = [row for row in rows if row in ENDS and row != "chain.withdrawn"]
        if run.status == StageRun.Status.RUNNING:
            assert ends == [] and "chain.withdrawn" not in rows
        elif run.status != StageRun.Status.WITHDRAWN:
            assert ends == [f"chain.{run.status}"], "the chain's end is written once"


def test_random_action_sequences_keep_every_invariant(people):
    people["spare_r"] = UserFactory(username="spare_r")
    people["spare_r"].groups.add(Group.objects.get(name="t_reviewers"))
    people["spare_h"] = UserFactory(username="spare_h")
    people["spare_h"].groups.add(Group.objects.get(name="t_heads"))
    # The deputy holds both roles (委托 goes only to a holder of the principal's stage role) but, being "spare", is
    # never an assignee by role.
    people["deputy"] = UserFactory(username="spare_deputy", roles=["t_reviewers", "t_heads"])
    ChainMachine.people = people
    run_state_machine_as_test(ChainMachine, settings=settings(
        max_examples=30, stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))
