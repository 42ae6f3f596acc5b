"""批量立案 and the 交办方案 table over HTTP: each proposal moved by its own service call, per-row results, input kept
on error, a row someone else handled first, one timeline row per proposal, and a fixed query count per page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals import roles, services
from proposals.models import Assignment, Proposal, ProposalStatus
from tests.factories import TopicFactory, UserFactory
from tests.personas import accepted, reviewed, submitted
from workflows import audit
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

ACCEPT = reverse("proposals:bulk_accept")
ASSIGN = reverse("proposals:bulk_assign")
STALE = "该事项已被他人处理或状态已变化，请刷新后查看最新情况。"


def timeline_actions(proposal):
    return [event.action for event in audit.timeline(proposal)]


def row(proposal, *, mode="", lead=(), co=()):
    """The POST fields of one 交办方案 row."""
    prefix = f"p{proposal.pk}"
    return {f"{prefix}-mode": mode, f"{prefix}-lead_units": [u.pk for u in lead],
            f"{prefix}-co_units": [u.pk for u in co]}


def plan(proposals, *rows, comment=""):
    data = {"rows": [p.pk for p in proposals], "comment": comment}
    for fields in rows:
        data.update(fields)
    return data


# --- 批量立案 -----------------------------------------------------------------------------------------------------


def test_head_sees_only_the_proposals_whose_decision_they_hold(client, world):
    # given one proposal at 审定 and one still at 初审
    waiting = reviewed(world, title="关于等待审定的建议")
    first_review = submitted(world, title="关于尚在初审的建议")
    client.force_login(world.head)

    # when
    page = client.get(ACCEPT).content.decode()

    # then
    assert waiting.title in page and first_review.title not in page
    assert f'name="proposals" value="{waiting.pk}"' in page


def test_bulk_accept_files_each_proposal_and_one_failure_leaves_the_others_done(client, world):
    # given a second head, so that the 审定 is theirs too; three proposals at 审定 and one at 初审
    head2 = UserFactory(username="stafflead2", first_name="周主任", roles=[roles.STAFF_HEAD])
    one, two, three = (reviewed(world, title=f"关于第{n}件的建议") for n in "一二三")
    not_mine = submitted(world, title="关于尚在初审的建议")
    client.force_login(world.head)
    # someone acted first: the other head files the second one before this POST
    services.proposal_accept(actor=head2, proposal=two, comment="同意")

    # when
    response = client.post(ACCEPT, {"proposals": [one.pk, two.pk, three.pk, not_mine.pk], "comment": "同意立案"})

    # then: Post/Redirect/Get, the others filed, the failures named on their rows
    assert response.status_code == 302 and response["Location"] == ACCEPT
    one.refresh_from_db(), three.refresh_from_db(), not_mine.refresh_from_db()
    assert one.status == three.status == ProposalStatus.ACCEPTED and one.serial and three.serial
    assert not_mine.status == ProposalStatus.SUBMITTED
    page = client.get(ACCEPT).content.decode()
    results = page[page.index('data-testid="bulk-results"'):]
    assert results.count("成功") == 2 and results.count("失败") == 2
    assert STALE in results and "您无权执行此操作。" in results
    assert one.number in results
    # the results are shown once (Post/Redirect/Get keeps them in the session until read)
    assert 'data-testid="bulk-results"' not in client.get(ACCEPT).content.decode()


def test_bulk_accept_writes_each_proposals_own_timeline_row_with_the_comment(client, world):
    # given
    one, two = reviewed(world, title="关于甲的建议"), reviewed(world, title="关于乙的建议")
    client.force_login(world.head)

    # when
    client.post(ACCEPT, {"proposals": [one.pk, two.pk], "comment": "会议集中审定"})

    # then
    for proposal in (one, two):
        assert timeline_actions(proposal).count("proposal.accepted") == 1
        assert audit.timeline(proposal).get(action="proposal.accepted").comment == "会议集中审定"
        assert audit.timeline(proposal).filter(action="chain.decided", actor=world.head).count() == 1


def test_bulk_accept_without_a_selection_says_so(client, world):
    reviewed(world)
    client.force_login(world.head)

    response = client.post(ACCEPT, {"comment": ""})

    assert response.status_code == 200
    assert "请至少选择一件提案。" in response.content.decode()


def test_bulk_accept_filters_by_category(client, world):
    # given two proposals at 审定 in different categories
    other = TopicFactory(name="经济建设")
    education = reviewed(world, title="关于教育的建议")
    economy = reviewed(world, title="关于经济的建议")
    Proposal.objects.filter(pk=economy.pk).update(topic=other)
    client.force_login(world.head)

    # when
    page = client.get(ACCEPT, {"topic": other.pk}).content.decode()

    # then
    assert economy.title in page and education.title not in page


@pytest.mark.parametrize("username", ["office", "member1", "unit1"])
def test_bulk_accept_is_refused_to_roles_without_the_review(client, world, username):
    client.force_login(getattr(world, username))

    for method in ("get", "post"):
        assert getattr(client, method)(ACCEPT).status_code == 404
    assert AuditEvent.objects.filter(action="access_denied", actor=getattr(world, username)).count() == 2


# --- 交办方案 -----------------------------------------------------------------------------------------------------


def test_table_lists_every_proposal_waiting_for_assignment_prefilled_from_the_review(client, world):
    # given one proposal filed with a suggested unit, one still at 审定
    proposal = reviewed(world, title="关于已立案的建议")
    proposal = services.proposal_accept(actor=world.head, proposal=proposal, comment="",
                                        suggested_unit_ids=[world.education.pk])
    waiting = reviewed(world, title="关于尚未立案的建议")
    client.force_login(world.office)

    # when
    page = client.get(ASSIGN).content.decode()

    # then
    assert proposal.title in page and proposal.number in page and waiting.title not in page
    lead = page[page.index(f'name="p{proposal.pk}-lead_units"'):]
    lead = lead[:lead.index("</select>")]
    assert f'value="{world.education.pk}" selected' in lead
    assert f'value="{world.transport.pk}" selected' not in lead


def test_filled_rows_are_assigned_each_by_its_own_call_and_empty_rows_are_skipped(client, world):
    # given three proposals waiting for 交办
    sole, lead, untouched = (accepted(world, title=f"关于第{n}件的建议") for n in "一二三")
    client.force_login(world.office)

    # when
    response = client.post(ASSIGN, plan(
        [sole, lead, untouched],
        row(sole, mode=Assignment.Role.SOLE, lead=[world.education]),
        row(lead, mode=Assignment.Role.LEAD, lead=[world.transport], co=[world.health]),
        row(untouched), comment="请按期办理",
    ))

    # then
    assert response.status_code == 302 and response["Location"] == ASSIGN
    assert Proposal.objects.get(pk=sole.pk).status == ProposalStatus.ASSIGNED
    assert list(Assignment.objects.filter(proposal=lead).values_list("unit__name", "role").order_by("role")) == [
        ("县卫生健康局", Assignment.Role.CO), ("县交通运输局", Assignment.Role.LEAD)]
    assert Proposal.objects.get(pk=untouched.pk).status == ProposalStatus.ACCEPTED
    for proposal in (sole, lead):
        assigned_rows = audit.timeline(proposal).filter(action="proposal.assigned")
        assert assigned_rows.count() == 1 and assigned_rows.get().comment == "请按期办理"
    assert "proposal.assigned" not in timeline_actions(untouched)
    page = client.get(ASSIGN).content.decode()
    assert sole.title not in page[page.index('data-testid="bulk-assign"'):]
    assert untouched.title in page[page.index('data-testid="bulk-assign"'):]
    assert page[page.index('data-testid="bulk-results"'):].count("成功") == 2


def test_invalid_rows_report_their_message_and_keep_the_input_while_valid_rows_are_assigned(client, world):
    # given
    good, same_unit, no_mode = (accepted(world, title=f"关于第{n}件的建议") for n in "一二三")
    client.force_login(world.office)

    # when: the same unit as lead and co; units chosen but no mode
    client.post(ASSIGN, plan(
        [good, same_unit, no_mode],
        row(good, mode=Assignment.Role.SOLE, lead=[world.education]),
        row(same_unit, mode=Assignment.Role.LEAD, lead=[world.transport], co=[world.transport]),
        row(no_mode, lead=[world.health]),
    ))
    page = client.get(ASSIGN).content.decode()

    # then: the good row is done; the bad rows stay with their message and what was typed
    assert Proposal.objects.get(pk=good.pk).status == ProposalStatus.ASSIGNED
    assert Proposal.objects.get(pk=same_unit.pk).status == ProposalStatus.ACCEPTED
    table = page[page.index('data-testid="bulk-assign"'):]
    assert good.title not in table
    assert "同一单位不能重复指定。" in table and "请选择交办方式。" in table
    row_html = table[table.index(f'data-testid="row-{same_unit.pk}"'):]
    row_html = row_html[:row_html.index("</tr>")]
    assert f'<option value="{Assignment.Role.LEAD}" selected>' in row_html
    assert row_html.count(f'value="{world.transport.pk}" selected') == 2
    no_mode_html = table[table.index(f'data-testid="row-{no_mode.pk}"'):]
    assert f'value="{world.health.pk}" selected' in no_mode_html[:no_mode_html.index("</tr>")]
    assert not AuditEvent.objects.filter(action="proposal.assigned", subject_id=str(same_unit.pk)).exists()


def test_fixing_a_kept_row_and_submitting_again_assigns_it(client, world):
    # given a row refused for its plan
    proposal = accepted(world)
    client.force_login(world.office)
    client.post(ASSIGN, plan([proposal], row(proposal, mode=Assignment.Role.SEPARATE, lead=[world.education])))
    assert "分办至少需要两个承办单位。" in client.get(ASSIGN).content.decode()

    # when
    client.post(ASSIGN, plan([proposal], row(proposal, mode=Assignment.Role.SEPARATE,
                                             lead=[world.education, world.transport])))

    # then
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.ASSIGNED
    assert Assignment.objects.filter(proposal=proposal, role=Assignment.Role.SEPARATE).count() == 2


def test_a_row_someone_else_assigned_meanwhile_reports_someone_acted_first(client, world):
    # given the office opened the table, then a colleague assigned one of its proposals
    colleague = UserFactory(username="office2", first_name="孙科长", roles=[roles.SUPERVISION_OFFICE])
    mine, taken = accepted(world, title="关于甲的建议"), accepted(world, title="关于乙的建议")
    client.force_login(world.office)
    assert taken.title in client.get(ASSIGN).content.decode()
    services.proposal_assign(actor=colleague, proposal=taken, mode=Assignment.Role.SOLE,
                             lead_unit_ids=[world.health.pk])

    # when
    client.post(ASSIGN, plan([mine, taken], row(mine, mode=Assignment.Role.SOLE, lead=[world.education]),
                             row(taken, mode=Assignment.Role.SOLE, lead=[world.transport])))

    # then: mine is assigned, the colleague's plan stands, and the row says someone acted first
    assert Proposal.objects.get(pk=mine.pk).status == ProposalStatus.ASSIGNED
    assert list(Assignment.objects.filter(proposal=taken).values_list("unit_id", flat=True)) == [world.health.pk]
    results = client.get(ASSIGN).content.decode()
    results = results[results.index('data-testid="bulk-results"'):]
    failed = results[results.index(f'data-testid="result-{taken.pk}"'):]
    assert "失败" in failed[:failed.index("</tr>")] and STALE in failed[:failed.index("</tr>")]
    assert audit.timeline(taken).filter(action="proposal.assigned").count() == 1


def test_submitting_an_empty_table_assigns_nothing_and_says_so(client, world):
    proposal = accepted(world)
    client.force_login(world.office)

    client.post(ASSIGN, plan([proposal], row(proposal)))

    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.ACCEPTED
    assert "没有填写任何交办方案" in client.get(ASSIGN).content.decode()


@pytest.mark.parametrize("username", ["staff", "head", "member1", "unit1"])
def test_bulk_assign_is_refused_to_roles_that_do_not_assign(client, world, username):
    proposal = accepted(world)
    client.force_login(getattr(world, username))

    assert client.get(ASSIGN).status_code == 404
    response = client.post(ASSIGN, plan([proposal], row(proposal, mode="sole", lead=[world.education])))

    assert response.status_code == 404
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.ACCEPTED


def test_the_list_page_links_each_role_to_its_bulk_page(client, world):
    client.force_login(world.office)
    page = client.get(reverse("proposals:list")).content.decode()
    assert ASSIGN in page and ACCEPT not in page
    client.force_login(world.head)
    page = client.get(reverse("proposals:list")).content.decode()
    assert ACCEPT in page and ASSIGN not in page


# --- fixed cost ---------------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_bulk_pages_cost_the_same_queries_for_5_and_50_proposals(client, world):
    # given 5 proposals at 审定 and 5 waiting for 交办 (with suggested units), then 50 of each
    def grow(count):
        for n in range(count):
            reviewed(world, title=f"关于待审定第{n}件的建议")
            proposal = reviewed(world, title=f"关于待交办第{n}件的建议")
            services.proposal_accept(actor=world.head, proposal=proposal,
                                     suggested_unit_ids=[world.education.pk, world.transport.pk])

    grow(5)
    client.force_login(world.head)
    accept_small = _queries(client, ACCEPT)
    client.force_login(world.office)
    assign_small = _queries(client, ASSIGN)

    # when
    grow(45)

    # then
    client.force_login(world.head)
    assert _queries(client, ACCEPT) == accept_small
    page = client.get(ACCEPT).content.decode()
    assert page.count('name="proposals" value=') == 50
    client.force_login(world.office)
    assert _queries(client, ASSIGN) == assign_small
    assert client.get(ASSIGN).content.decode().count('name="rows"') == 50
