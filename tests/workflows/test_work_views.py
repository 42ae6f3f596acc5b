"""待办 (/inbox/), 待认领 (/queue/), 认领 / 退回认领 and the 工作台 over work items (issue #10 item 1).

Cases here are stand-ins from two apps (a proposals ``Topic`` and a workflows ``Unit``): the lists read only the
work item's own columns and its due item, whatever the case is.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals.models import Topic
from tests.factories import UnitFactory, UnitMembershipFactory, UserFactory
from tests.workflows.chain_slot import start
from workflows import chains, work
from workflows.models import AuditEvent, Delegation, DueItem, StageDefinition, StageTask, WorkItem

pytestmark = pytest.mark.django_db

STALE = "该事项已被他人处理或状态已变化，请刷新后查看最新情况。"


@pytest.fixture
def crew(db):
    office, handlers = Group.objects.create(name="t_office"), Group.objects.create(name="t_handlers")
    education, transport = UnitFactory(name="县教育局"), UnitFactory(name="县交通运输局")
    c = SimpleNamespace(office=office, handlers=handlers, education=education, transport=transport)
    c.alice = UserFactory(username="alice", first_name="李明华")
    c.bob = UserFactory(username="bob", first_name="王秀英")
    c.office1 = UserFactory(username="office1", first_name="刘振东")
    c.office2 = UserFactory(username="office2", first_name="陈晓静")
    for user in (c.office1, c.office2):
        user.groups.add(office)
    c.unit1 = UnitMembershipFactory(unit=education, user=UserFactory(username="unit1", first_name="赵经办")).user
    c.unit2 = UnitMembershipFactory(unit=transport, user=UserFactory(username="unit2", first_name="钱经办")).user
    for user in (c.unit1, c.unit2):
        user.groups.add(handlers)
    c.outsider = UserFactory(username="outsider", first_name="非委员")
    c.proposal = Topic.objects.create(name="关于推进义务教育优质均衡发展的建议")
    c.nomination = UnitFactory(name="县委组织部干部科")
    return c


def due_item(case, *, days: float, title: str = "办理期限", provisional=False, level="") -> DueItem:
    now = timezone.now()
    return DueItem.objects.create(
        subject_type=ContentType.objects.get_for_model(case), subject_id=str(case.pk),
        purpose=f"t-{DueItem.objects.count()}", title=title, anchor_at=now, due_at=now + datetime.timedelta(days=days),
        provisional=provisional, level=level,
    )


def item(case, *, step="proposals.review.first", title="初审", days: float | None = 5, due_title="初审期限", **holder):
    due = due_item(case, days=days, title=due_title) if days is not None else None
    return work.open_item(case=case, target=due or case, step=step, title=title, link=f"/cases/{case.pk}/",
                          case_label=str(case), due_item=due, **holder)


def rows(response) -> list[WorkItem]:
    assert response.status_code == 200
    return [row[0] for row in response.context["rows"]]


# --- 待办 -------------------------------------------------------------------------------------------------------------


def test_inbox_lists_the_users_steps_of_every_process_soonest_first(client, crew):
    # given two steps for alice in two processes, one for bob
    later = item(crew.proposal, assignee=crew.alice, days=8)
    sooner = item(crew.nomination, step="nomination.motion.confirm", title="确定动议", assignee=crew.alice, days=2)
    item(crew.proposal, assignee=crew.bob)
    client.force_login(crew.alice)

    # when
    response = client.get(reverse("workflows:inbox"))

    # then
    assert rows(response) == [sooner, later]


def test_inbox_row_shows_title_case_step_holder_and_labelled_due_date(client, crew):
    due = due_item(crew.proposal, days=-3, title="交办期限", provisional=True, level=DueItem.Level.YELLOW)
    work.open_item(case=crew.proposal, step="proposals.assign", title="交办", link="/proposals/7/",
                   case_label="关于推进义务教育优质均衡发展的建议", assignee=crew.alice, due_item=due)
    client.force_login(crew.alice)

    page = client.get(reverse("workflows:inbox")).content.decode()

    assert '<a href="/proposals/7/">交办</a>' in page
    assert '<a href="/proposals/7/">关于推进义务教育优质均衡发展的建议</a>' in page
    assert "政协提案" in page  # the step's label: the app's name where nothing narrower is registered
    assert "李明华" in page
    assert "（已逾期）" in page and "交办期限" in page and "暂定" in page
    assert '<span class="level level-yellow">黄色督办</span>' in page
    assert "Submission" not in page and "True" not in page


def test_inbox_step_column_uses_the_registered_label_and_the_chains_name(client, crew, monkeypatch):
    monkeypatch.setitem(work.STEP_LABELS, "proposals.assignment", "提案承办")
    item(crew.proposal, step="proposals.assignment.receive", title="签收", assignee=crew.alice)
    item(crew.proposal, step="stage:proposal-review:first", title="初审", assignee=crew.alice, days=6)
    client.force_login(crew.alice)

    response = client.get(reverse("workflows:inbox"))

    assert [row[2] for row in response.context["rows"]] == ["提案承办", str(chains.spec_for("proposal-review").name)]


def test_inbox_holds_delegated_and_claimed_steps(client, crew):
    today = timezone.localdate()
    Delegation.objects.create(principal=crew.bob, delegate=crew.alice, starts_on=today, ends_on=today)
    delegated = item(crew.proposal, assignee=crew.bob, days=1)
    claimed = item(crew.proposal, step="proposals.assign", title="交办", role=crew.office, days=2)
    WorkItem.objects.filter(pk=claimed.pk).update(assignee=crew.alice)
    client.force_login(crew.alice)

    response = client.get(reverse("workflows:inbox"))

    assert rows(response) == [delegated, claimed]
    assert [row[3] for row in response.context["rows"]] == [True, False]  # 受托代办 on bob's step
    assert "受托代办" in response.content.decode()


def test_inbox_leaves_out_closed_and_cancelled_steps(client, crew):
    done, cancelled = item(crew.proposal, assignee=crew.alice), item(crew.nomination, assignee=crew.alice)
    work.close_items(target=done.target, actor=crew.alice)
    work.cancel_items(target=cancelled.target)
    client.force_login(crew.alice)

    assert rows(client.get(reverse("workflows:inbox"))) == []


def test_inbox_filters_by_type_step_prefix_and_overdue(client, crew):
    review = item(crew.proposal, step="proposals.review.first", assignee=crew.alice, days=3)
    receive = item(crew.proposal, step="proposals.assignment.receive", title="签收", assignee=crew.alice, days=-1)
    motion = item(crew.nomination, step="nomination.motion.confirm", title="确定动议", assignee=crew.alice, days=-2)
    client.force_login(crew.alice)
    url = reverse("workflows:inbox")

    assert rows(client.get(url, {"type": "proposals"})) == [receive, review]
    assert rows(client.get(url, {"type": "workflows"})) == [motion]
    assert rows(client.get(url, {"step": "proposals.assignment"})) == [receive]
    assert rows(client.get(url, {"step": "proposals"})) == [receive, review]
    assert rows(client.get(url, {"step": "proposals.assign"})) == []  # a prefix ends at a dot
    assert rows(client.get(url, {"overdue": "1"})) == [motion, receive]
    assert rows(client.get(url, {"overdue": "1", "type": "proposals"})) == [receive]


def test_inbox_filter_choices_come_from_the_users_own_items(client, crew):
    item(crew.proposal, step="proposals.review.first", assignee=crew.alice)
    item(crew.nomination, step="unnamed.motion.confirm", title="确定动议", assignee=crew.alice)
    item(crew.proposal, step="proposals.evaluate", assignee=crew.bob)
    client.force_login(crew.alice)

    choices = client.get(reverse("workflows:inbox")).context["choices"]

    assert choices["types"] == [("proposals", "政协提案"), ("workflows", "流程引擎")]
    # steps nobody has named read "<process> · <title>"
    assert sorted(choices["steps"]) == [("proposals.review.first", "政协提案 · 初审"),
                                        ("unnamed.motion.confirm", "流程引擎 · 确定动议")]


def test_inbox_refuses_odd_filter_values_quietly(client, crew):
    mine = item(crew.proposal, assignee=crew.alice)
    client.force_login(crew.alice)

    response = client.get(reverse("workflows:inbox"), {"step": "x' OR 1=1 --", "type": "a b", "page": "zz"})

    assert rows(response) == [mine]


def test_inbox_pages_fifty_items(client, crew):
    for n in range(55):
        item(crew.proposal, assignee=crew.alice, days=n + 1)
    client.force_login(crew.alice)

    first, second = client.get(reverse("workflows:inbox")), client.get(reverse("workflows:inbox"), {"page": 2})

    assert len(rows(first)) == 50 and len(rows(second)) == 5
    assert first.context["page"].paginator.count == 55


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("name", ["workflows:inbox", "workflows:queue", "workflows:home"])
def test_lists_cost_the_same_queries_for_1_and_60_items(client, crew, name, django_assert_max_num_queries, travel):
    # given one item of each kind held by unit1 (their own, their role's, their unit's); every date in one calendar
    # year, which the due cells read once
    travel(2026, 3, 2, 10)
    # (registered steps, as every service opens: a family nobody has named costs one more query, for its title)
    def add(n):
        item(crew.proposal, step="proposals.revise", assignee=crew.unit1, days=n - 10)
        item(crew.nomination, step="nomination.motion.confirm", role=crew.handlers, unit=crew.education, days=n)

    add(0)
    client.force_login(crew.unit1)
    url = reverse(name)
    _queries(client, url)  # warm the per-process caches (content types)
    one = _queries(client, url)
    for n in range(1, 60):
        add(n)
    DueItem.objects.update(level=DueItem.Level.RED)
    _queries(client, url)  # the calendar year is cached again if adding the items dropped it (not a per-row cost)

    # when / then
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert _queries(client, url) == one
    assert response.content.decode().count("红色督办") >= 10
    # session, user, holder (1), the list's count, choices, page ids and page rows (4), the navigation's other
    # count, the unread notifications and the menu's permission read
    assert one <= 10


# --- 待认领 and 认领 ---------------------------------------------------------------------------------------------------


def test_queue_lists_role_and_unit_items_not_claimed_or_assigned_ones(client, crew):
    open_for_office = item(crew.proposal, step="proposals.assign", title="交办", role=crew.office)
    item(crew.proposal, step="proposals.assign", title="交办", role=crew.office, days=1)
    claimed = item(crew.nomination, step="proposals.assign", role=crew.office, days=2)
    WorkItem.objects.filter(pk=claimed.pk).update(assignee=crew.office2)
    education = item(crew.proposal, step="proposals.assignment.receive", title="签收", role=crew.handlers,
                     unit=crew.education, days=3)
    whole_unit = item(crew.proposal, step="proposals.assignment.reply", title="答复", unit=crew.transport, days=4)

    client.force_login(crew.office1)
    office_rows = rows(client.get(reverse("workflows:queue")))
    client.force_login(crew.unit1)
    unit1_rows = rows(client.get(reverse("workflows:queue")))
    client.force_login(crew.unit2)
    unit2_rows = rows(client.get(reverse("workflows:queue")))
    client.force_login(crew.alice)
    alice_rows = rows(client.get(reverse("workflows:queue")))

    assert open_for_office in office_rows and claimed not in office_rows and len(office_rows) == 2
    assert unit1_rows == [education]
    assert unit2_rows == [whole_unit]
    assert alice_rows == []


def test_queue_row_names_the_role_and_unit_holding_the_step(client, crew, monkeypatch):
    monkeypatch.setitem(work.roles.ROLE_LABELS, "t_handlers", "承办单位经办人")
    item(crew.proposal, step="proposals.assignment.receive", title="签收", role=crew.handlers, unit=crew.education)
    client.force_login(crew.unit1)

    page = client.get(reverse("workflows:queue")).content.decode()

    assert "县教育局·承办单位经办人" in page
    assert 'data-testid="claim"' in page


def test_claiming_moves_the_step_to_the_claimers_inbox(client, crew):
    # given a 交办 step held by 督查室
    step = item(crew.proposal, step="proposals.assign", title="交办", role=crew.office)
    client.force_login(crew.office1)

    # when
    response = client.post(reverse("workflows:claim", args=[step.pk]))

    # then
    assert response.status_code == 303 and response["Location"] == reverse("workflows:inbox")
    assert rows(client.get(reverse("workflows:inbox"))) == [step]
    assert rows(client.get(reverse("workflows:queue"))) == []
    client.force_login(crew.office2)
    assert rows(client.get(reverse("workflows:queue"))) == []
    assert AuditEvent.objects.filter(action="work.claimed", actor=crew.office1, comment="交办").count() == 1


def test_a_lost_claim_race_says_someone_acted_first_on_the_queue(client, crew):
    # given office2 claimed the step while office1's page still showed it
    step = item(crew.proposal, step="proposals.assign", title="交办", role=crew.office)
    work.claim(actor=crew.office2, item=step)
    client.force_login(crew.office1)

    # when
    response = client.post(reverse("workflows:claim", args=[step.pk]), follow=True)

    # then
    assert response.redirect_chain == [(reverse("workflows:queue"), 303)]
    assert response.status_code == 200
    assert STALE in response.content.decode()
    assert WorkItem.objects.get(pk=step.pk).assignee == crew.office2


def test_claiming_a_step_already_done_says_someone_acted_first(client, crew):
    step = item(crew.proposal, step="proposals.assign", title="交办", role=crew.office)
    work.close_items(target=step.target, actor=crew.office2)
    client.force_login(crew.office1)

    response = client.post(reverse("workflows:claim", args=[step.pk]), follow=True)

    assert STALE in response.content.decode()


@pytest.mark.parametrize("username", ["outsider", "unit2", "alice"])
def test_a_step_of_another_role_or_unit_cannot_be_claimed_and_is_not_revealed(client, crew, username):
    step = item(crew.proposal, step="proposals.assignment.receive", role=crew.handlers, unit=crew.education)
    client.force_login(getattr(crew, username))

    response = client.post(reverse("workflows:claim", args=[step.pk]))

    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access_denied", actor=getattr(crew, username)).count() == 1
    assert WorkItem.objects.get(pk=step.pk).assignee is None


def test_claim_and_release_answer_only_post(client, crew):
    step = item(crew.proposal, step="proposals.assign", role=crew.office)
    client.force_login(crew.office1)

    assert client.get(reverse("workflows:claim", args=[step.pk])).status_code == 405
    assert client.get(reverse("workflows:release", args=[step.pk])).status_code == 405


def test_claim_returns_to_a_same_site_next_page_only(client, crew):
    first = item(crew.proposal, step="proposals.assign", role=crew.office)
    second = item(crew.nomination, step="proposals.assign", role=crew.office)
    client.force_login(crew.office1)

    here = client.post(reverse("workflows:claim", args=[first.pk]), {"next": "/proposals/7/"})
    away = client.post(reverse("workflows:claim", args=[second.pk]), {"next": "https://evil.example/"})

    assert here["Location"] == "/proposals/7/"
    assert away["Location"] == reverse("workflows:inbox")


def test_releasing_gives_the_step_back_to_the_roles_queue(client, crew):
    step = item(crew.proposal, step="proposals.assign", title="交办", role=crew.office)
    work.claim(actor=crew.office1, item=step)
    client.force_login(crew.office1)
    assert 'data-testid="release"' in client.get(reverse("workflows:inbox")).content.decode()

    response = client.post(reverse("workflows:release", args=[step.pk]))

    assert response.status_code == 303 and response["Location"] == reverse("workflows:queue")
    client.force_login(crew.office2)
    assert rows(client.get(reverse("workflows:queue"))) == [step]
    assert AuditEvent.objects.filter(action="work.released", actor=crew.office1).count() == 1


def test_a_delegate_sees_the_steps_the_principal_claimed(client, crew):
    today = timezone.localdate()
    Delegation.objects.create(principal=crew.office1, delegate=crew.alice, starts_on=today, ends_on=today)
    step = item(crew.proposal, step="proposals.assign", title="交办", role=crew.office)
    work.claim(actor=crew.office1, item=step)
    client.force_login(crew.alice)

    response = client.get(reverse("workflows:inbox"))

    assert rows(response) == [step]
    assert [row[3] for row in response.context["rows"]] == [True]  # 受托代办
    assert 'data-testid="release"' not in response.content.decode()  # only the claimer gives it back


def test_a_claimed_step_opened_again_for_its_role_is_the_same_item(crew):
    step = item(crew.proposal, step="proposals.assign", title="交办", role=crew.office, days=None)
    work.claim(actor=crew.office1, item=step)

    again = work.open_item(case=crew.proposal, step="proposals.assign", title="交办", link="/", role=crew.office)

    assert again.pk == step.pk and again.assignee == crew.office1
    assert WorkItem.objects.filter(state=WorkItem.State.OPEN).count() == 1


def test_a_step_is_never_opened_for_a_person_and_a_role_at_once(crew):
    with pytest.raises(ValueError):
        work.open_item(case=crew.proposal, step="proposals.assign", title="交办", link="/", assignee=crew.alice,
                       role=crew.office)
    assert not WorkItem.objects.exists()


def test_an_assigned_step_cannot_be_released_into_a_queue(client, crew):
    step = item(crew.proposal, assignee=crew.alice)
    client.force_login(crew.alice)
    assert 'data-testid="release"' not in client.get(reverse("workflows:inbox")).content.decode()

    response = client.post(reverse("workflows:release", args=[step.pk]), follow=True)

    assert STALE in response.content.decode()
    assert WorkItem.objects.get(pk=step.pk).assignee == crew.alice


def test_only_the_claimer_may_release(client, crew):
    step = item(crew.proposal, step="proposals.assign", role=crew.office)
    work.claim(actor=crew.office1, item=step)
    client.force_login(crew.office2)

    response = client.post(reverse("workflows:release", args=[step.pk]), follow=True)

    assert STALE in response.content.decode()
    assert WorkItem.objects.get(pk=step.pk).assignee == crew.office1


# --- 工作台 and navigation ----------------------------------------------------------------------------------------


def test_home_counts_are_the_lists_counts_and_show_the_first_ten_overdue_first(client, crew):
    # given unit1 holds 12 steps (one overdue, created last) and may claim 3
    for n in range(11):
        item(crew.proposal, assignee=crew.unit1, days=n + 1, title=f"步骤{n}")
    overdue = item(crew.nomination, step="nomination.motion.confirm", assignee=crew.unit1, days=-1, title="已逾期的步骤")
    for n in range(3):
        item(crew.proposal, step="proposals.assignment.receive", role=crew.handlers, unit=crew.education, days=n)
    client.force_login(crew.unit1)

    response = client.get(reverse("workflows:home"))
    inbox_total = client.get(reverse("workflows:inbox")).context["page"].paginator.count
    queue_total = client.get(reverse("workflows:queue")).context["page"].paginator.count

    assert response.context["counts"] == {"inbox": inbox_total, "queue": queue_total} == {"inbox": 12, "queue": 3}
    assert [i for i, _holder in response.context["inbox_rows"]][0] == overdue
    assert len(response.context["inbox_rows"]) == 10 and len(response.context["queue_rows"]) == 3
    page = response.content.decode()
    assert "暂无待办" not in page and "查看全部 12 件待办" in page


@pytest.mark.parametrize("where", ["inbox", "queue"])
def test_home_never_says_nothing_to_do_while_a_list_holds_items(client, crew, where):
    holder = {"assignee": crew.office1} if where == "inbox" else {"role": crew.office}
    item(crew.proposal, step="proposals.assign", title="交办", **holder)
    client.force_login(crew.office1)

    page = client.get(reverse("workflows:home")).content.decode()

    assert "交办" in page
    assert ("暂无待办" in page) is (where == "queue")
    assert ("暂无待认领事项" in page) is (where == "inbox")


def test_navigation_shows_the_lists_counts(client, crew):
    item(crew.proposal, assignee=crew.office1)
    item(crew.proposal, step="proposals.assign", role=crew.office)
    item(crew.nomination, step="proposals.assign", role=crew.office)
    client.force_login(crew.office1)

    page = client.get(reverse("workflows:my_settings")).content.decode()

    assert '<span class="badge" data-testid="inbox-count">1</span>' in page
    assert '<span class="badge" data-testid="queue-count">2</span>' in page


def test_navigation_offers_the_queue_only_to_holders_of_a_role_or_unit(client, crew):
    client.force_login(crew.alice)
    alice = client.get(reverse("workflows:home")).content.decode()
    client.force_login(crew.unit1)
    unit1 = client.get(reverse("workflows:home")).content.decode()

    assert 'data-testid="nav-queue"' not in alice and 'data-testid="nav-inbox"' in alice
    assert 'data-testid="nav-queue"' in unit1
    assert "/workflow/" not in alice + unit1


def test_navigation_costs_two_counts_at_most(client, crew):
    client.force_login(crew.office1)
    with CaptureQueriesContext(connection) as context:
        client.get(reverse("workflows:my_settings"))
    work_items = [q["sql"] for q in context.captured_queries if '"workflows_workitem"' in q["sql"]]

    assert len(work_items) == 2


# --- 批量同意 of chain stages from 待办 ------------------------------------------------------------------------------


def test_batch_approve_acts_on_the_selected_chain_stages_that_allow_it(client, people):
    # given two runs whose 初审 allows 批量同意 (each stage task opens its work item in r1's 待办)
    first, second = start(people), start(people, name="县第二局")
    StageDefinition.objects.filter(key="first").update(allow_batch_approve=True)
    client.force_login(people["r1"])
    response = client.get(reverse("workflows:inbox"))
    batchable = response.context["batchable"]
    assert len(batchable) == 2

    # when r1 selects one of them
    chosen = sorted(batchable)[0]
    response = client.post(reverse("workflows:inbox"), {"items": [chosen], "comment": "同意"}, follow=True)

    # then exactly that task is approved and leaves 待办
    assert "已批量同意 1 件。" in response.content.decode()
    task = WorkItem.objects.get(pk=chosen).target
    assert StageTask.objects.get(pk=task.pk).status == StageTask.Status.APPROVED
    assert chosen not in [i.pk for i in rows(client.get(reverse("workflows:inbox")))]
    assert {first.pk, second.pk} >= {task.run_id}
