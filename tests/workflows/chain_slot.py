"""A test slot whose case is a plain Unit: the stage runner without any domain app."""

from django.contrib.auth import get_user_model

from tests.factories import UnitFactory
from workflows import chains, stages

OUTCOMES = []
SLOT = "test-chain"


def _assignees(subject, stage):
    return list(stage.role.user_set.filter(is_active=True).order_by("username"))


chains.register(chains.SlotSpec(
    code=SLOT, name="测试审批链",
    stages=(
        chains.StageSpec(key="first", name="初审", role="t_reviewers", mode="any"),
        chains.StageSpec(key="legal", name="法定审核", role="t_heads", mode="all", required=True,
                         min_deadline_amount=5),
    ),
    resolve_assignees=_assignees,
    on_finish=lambda run, outcome, actor: OUTCOMES.append(outcome),
    describe=lambda unit: (f"测试案件 {unit.name}", f"/units/{unit.pk}/"),
    skip_fields={"phone": "电话"},
    case_values=lambda unit: {"phone": unit.phone},
    # 红 on a late task goes to the superuser "boss" of the people fixture
    overdue_supervisors=lambda unit, task: list(get_user_model().objects.filter(username="boss")),
))


def start(people, **unit_fields):
    return stages.start_chain(slot_code=SLOT, subject=UnitFactory(**unit_fields), actor=people["applicant"])


def task_of(run, username):
    return run.tasks.get(assignee__username=username, status__in=["open", "waiting"])


# A decision chain: 初审 (或签), then 审定, whose holder decides one of its outcomes (recorded as made).
DECISION_SLOT = "test-decision"
DECISIONS = (("accept", "立案"), ("refuse", "不予立案"), ("merge", "并案"))

chains.register(chains.SlotSpec(
    code=DECISION_SLOT, name="测试决定链",
    stages=(
        chains.StageSpec(key="first", name="初审", role="t_reviewers", mode="any"),
        chains.StageSpec(key="decision", name="审定", role="t_heads", mode="any", outcomes=DECISIONS),
    ),
    resolve_assignees=_assignees,
    on_finish=lambda run, outcome, actor: OUTCOMES.append(outcome),
    describe=lambda unit: (f"测试决定 {unit.name}", f"/units/{unit.pk}/"),
))


def start_decision(people, **unit_fields):
    return stages.start_chain(slot_code=DECISION_SLOT, subject=UnitFactory(**unit_fields), actor=people["applicant"])
