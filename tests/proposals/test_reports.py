"""Statistics (DOMAIN §2.8) against a fixture whose every figure was counted by hand, the Excel export, and the
printable reply letter and opinion form.

The fixture is built with the ORM (read-only reports need rows, not the services that write them). Term 10, year
2025, twelve received proposals:

    P1  member  教科文卫  m1  concluded   edu sole: round-1 reply LATE, A; m1 满意/满意
    P2  member  教科文卫  m2  concluded   edu sole: round 1 on time B, re-handled, round 2 B;
                                          m2 r1 不满意(result)/基本满意(work), r2 不满意/基本满意
    P3  joint   城乡建设  m1+m2+m3 key   transport lead: reply issued exactly at the deadline, A; finance co;
                                          m1 满意/满意, m2 基本满意/基本满意, m3 未评价
    P4  member  城乡建设  m3  concluded   transport sole: round 1 on time C, round 2 B;
                                          m3 r1 不满意/基本满意, r2 基本满意/满意
    P5  party   三农      in handling     separate: edu reply on time A; health reply still a draft
    P6  org.    三农      in handling     civil affairs (reassigned away) → health sole, no reply
    P7  member  教科文卫  accepted, not yet assigned
    P8  member  三农      accepted, then withdrawn
    P9  member  教科文卫  merged into P1
    P10 sector  城乡建设  not accepted
    P11 member  (none)    not accepted
    P12 joint   教科文卫  under review (submitted 2025-01-01 00:30 Beijing time, 2024 in UTC)

Outside the scope: a draft, a draft recalled after submission, a 2024 proposal of term 10 (answered D), and a 2025
proposal of term 9.
"""

import datetime
import html.parser
import io
import itertools
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from proposals.models import (
    Assignment,
    Cosigner,
    Evaluation,
    OutcomeCategory,
    Proposal,
    ProposalSettings,
    ProposalStatus,
    Reply,
    Term,
)
from proposals.reports import exports, stats
from tests.factories import TopicFactory, UnitFactory, UserFactory
from workflows.models import AuditEvent, DueItem

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
S, B, D, NONE = "satisfied", "basic", "dissatisfied", "none"
SERIALS = itertools.count(1)


def at(year, month, day, hour=10, minute=0, second=0):
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


ASSIGNED_AT = at(2025, 3, 20)
DUE = at(2025, 6, 20, 23, 59, 59)
REHANDLING_DUE = at(2025, 10, 31, 23, 59, 59)


def categories():
    return {code: OutcomeCategory.objects.update_or_create(code=code, defaults={"name": name, "order": order})[0]
            for order, (code, name) in enumerate([("A", "已经解决或基本解决"), ("B", "正在解决或列入规划"),
                                                  ("C", "因条件限制待以后解决"), ("D", "留作参考")])}


SUBMITTED_AT = at(2025, 3, 10)


def make_proposal(world, *, kind="member", topic=None, status=ProposalStatus.CONCLUDED, proposer=None,
                  submitted_at=SUBMITTED_AT, accepted=True, assigned=True, term=None, title="关于改善城乡公交的建议",
                  **fields):
    proposer = proposer or world.member1
    accepted = accepted and status not in (ProposalStatus.SUBMITTED, ProposalStatus.MERGED,
                                           ProposalStatus.NOT_ACCEPTED, ProposalStatus.DRAFT)
    return Proposal.objects.create(
        term=term or world.term, kind=kind, title=title, reasons="理由", suggestions="建议", topic=topic,
        first_proposer=None if kind in Proposal.COLLECTIVE_KINDS else proposer, submitted_by=proposer,
        organisation_name="民盟同心县委员会" if kind in Proposal.COLLECTIVE_KINDS else "",
        status=status, submitted_at=submitted_at,
        accepted_at=submitted_at + datetime.timedelta(days=3) if accepted else None,
        year=submitted_at.year if accepted else None, serial=next(SERIALS) if accepted else None,
        assigned_at=ASSIGNED_AT if accepted and assigned else None, **fields,
    )


def assign(world, proposal, unit, role="sole", *, state=Assignment.State.RECEIVED):
    return Assignment.objects.create(
        proposal=proposal, unit=unit, role=role, state=state, assigned_at=ASSIGNED_AT, assigned_by=world.office,
    )


def reply_deadline(assignment, round):
    """The assignment's reply due item of one round (the first from 交办, the second from re-handling)."""
    due_at = DUE if round == 1 else REHANDLING_DUE
    return DueItem.objects.create(subject_type=ContentType.objects.get_for_model(Assignment),
                                  subject_id=str(assignment.pk), purpose="reply", title="办理答复",
                                  anchor_at=ASSIGNED_AT, due_at=due_at, state=DueItem.State.DONE)


def reply(world, assignment, category, *, issued_at=None, round=1, status=Reply.Status.ISSUED, **fields):
    fields = {"body": "经研究，答复如下：一、……", "contact_person": "钱经办", "contact_phone": "0953-1112223", **fields}
    return Reply.objects.create(
        assignment=assignment, round=round, status=status, reference_number=f"同政复〔2025〕{next(SERIALS)}号",
        category=category, drafted_by=world.unit1, signed_by=world.unitlead1,
        issued_at=issued_at if status == Reply.Status.ISSUED else None,
        due_item=reply_deadline(assignment, round) if status == Reply.Status.ISSUED else None, **fields,
    )


def evaluate(proposal, evaluator, result, work, round=1):
    return Evaluation.objects.create(proposal=proposal, round=round, evaluator=evaluator, result_rating=result,
                                     work_rating=work)


@pytest.fixture
def fixture(world):
    """The twelve proposals of the module docstring, and the four outside the scope."""
    cat = categories()
    education, transport, health = world.education, world.transport, world.health
    finance, civil = UnitFactory(name="县财政局"), UnitFactory(name="县民政局")
    teaching = world.topic  # 教科文卫
    building, farming = TopicFactory(name="城乡建设"), TopicFactory(name="三农")
    m1, m2, m3 = world.member1, world.member2, world.member3
    P = {}

    P[1] = make_proposal(world, topic=teaching, proposer=m1)
    a = assign(world, P[1], education)
    reply(world, a, cat["A"], issued_at=at(2025, 6, 25))  # late: after 20 June
    evaluate(P[1], m1, S, S)

    P[2] = make_proposal(world, topic=teaching, proposer=m2, handling_round=2)
    # Re-handling opened a second deadline (as the service does); each reply is held against its own round's.
    a = assign(world, P[2], education)
    reply(world, a, cat["B"], issued_at=at(2025, 6, 1))
    reply(world, a, cat["B"], issued_at=at(2025, 9, 15), round=2)
    evaluate(P[2], m2, D, B)
    evaluate(P[2], m2, D, B, round=2)

    P[3] = make_proposal(world, kind="joint", topic=building, proposer=m1, status=ProposalStatus.EVALUATED,
                         key_status="key")
    for order, user in enumerate((m2, m3), start=1):
        Cosigner.objects.create(proposal=P[3], user=user, status=Cosigner.Status.CONFIRMED, order=order)
    a = assign(world, P[3], transport, "lead")
    reply(world, a, cat["A"], issued_at=DUE)  # exactly at the deadline: on time
    assign(world, P[3], finance, "co")
    evaluate(P[3], m1, S, S)
    evaluate(P[3], m2, B, B)
    evaluate(P[3], m3, NONE, NONE)

    P[4] = make_proposal(world, topic=building, proposer=m3, handling_round=2)
    a = assign(world, P[4], transport)
    reply(world, a, cat["C"], issued_at=at(2025, 6, 10))
    reply(world, a, cat["B"], issued_at=at(2025, 9, 20), round=2)
    evaluate(P[4], m3, D, B)
    evaluate(P[4], m3, B, S, round=2)

    P[5] = make_proposal(world, kind="party", topic=farming, status=ProposalStatus.IN_HANDLING)
    reply(world, assign(world, P[5], education, "separate"), cat["A"], issued_at=at(2025, 6, 5))
    reply(world, assign(world, P[5], health, "separate"), cat["A"], status=Reply.Status.DRAFT)

    P[6] = make_proposal(world, kind="organisation", topic=farming, status=ProposalStatus.IN_HANDLING)
    assign(world, P[6], civil, state=Assignment.State.REASSIGNED)
    assign(world, P[6], health)

    P[7] = make_proposal(world, topic=teaching, status=ProposalStatus.ACCEPTED, assigned=False)
    P[8] = make_proposal(world, topic=farming, status=ProposalStatus.WITHDRAWN, assigned=False)
    P[9] = make_proposal(world, topic=teaching, status=ProposalStatus.MERGED, master=P[1])
    P[10] = make_proposal(world, kind="sector", topic=building, status=ProposalStatus.NOT_ACCEPTED)
    P[11] = make_proposal(world, topic=None, status=ProposalStatus.NOT_ACCEPTED)
    P[12] = make_proposal(world, kind="joint", topic=teaching, status=ProposalStatus.SUBMITTED,
                          submitted_at=at(2025, 1, 1, 0, 30))

    # outside the scope
    make_proposal(world, topic=teaching, status=ProposalStatus.DRAFT, submitted_at=None, accepted=False)
    make_proposal(world, topic=teaching, status=ProposalStatus.DRAFT, accepted=False)  # recalled before 立案
    old = make_proposal(world, topic=teaching, submitted_at=at(2024, 5, 1))
    reply(world, assign(world, old, education), cat["D"], issued_at=at(2024, 7, 1))
    other_term = Term.objects.create(number=9, name="政协同心县第九届委员会", starts_on=datetime.date(2017, 1, 10),
                                     ends_on=datetime.date(2022, 1, 9))
    make_proposal(world, topic=teaching, status=ProposalStatus.ACCEPTED, assigned=False, term=other_term)
    return P


def row(table, label):
    return next(r for r in table.rows if r[0] == label)


def d(text):
    return Decimal(text)


# --- each measure against the hand count -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_overview_figures_match_the_hand_count(world, fixture):
    overview = stats.report(term=world.term, year=2025).table("overview")

    assert dict(overview.rows) == {
        "收到提案数": 12,
        "立案数": 8,  # P1–P8, P8 withdrawn after 立案
        "立案率（%）": d("66.7"),  # 8 / 12
        "并案数": 1,
        "不予立案数": 2,
        "撤案数": 1,
        "重点提案数": 1,
        "交办数": 6,  # P1–P6
        "承办单位数": 4,  # education, transport, health, finance; civil affairs only reassigned away
        "主办单位数": 3,  # finance is 会办 only
        "已办复数": 4,  # P1–P4; P5 waits for health, P6 unanswered
        "办复率（%）": d("66.7"),  # 4 / 6
        "按期办复数": 3,  # P2, P3 (at the deadline), P4; P1 late
        "按期办复率（%）": d("50.0"),  # 3 / 6
        "办结数": 3,  # P1, P2, P4
        "办结率（%）": d("50.0"),  # 3 / 6
        "回收征询意见表（份）": 5,  # latest returned: P1 m1, P2 m2 r2, P3 m1, P3 m2, P4 m3 r2
        "满意率（%）": d("80.0"),  # (2 满意 + 2 基本满意) / 5
        "初次办理满意率（%）": d("60.0"),  # round 1: P1 满意, P2 不满意, P3 满意 + 基本满意, P4 不满意 → 3 / 5
    }


@pytest.mark.django_db
def test_received_by_proposer_type_and_by_kind(world, fixture):
    report = stats.report(term=world.term, year=2025)

    assert report.table("by_type").rows == [
        ["集体提案", 3, d("25.0"), 2, d("66.7")],  # P5, P6, P10; P5, P6 accepted
        ["委员个人提案", 7, d("58.3"), 5, d("71.4")],  # P1, P2, P4, P7, P8, P9, P11
        ["联名提案", 2, d("16.7"), 1, d("50.0")],  # P3, P12
        ["合计", 12, d("100.0"), 8, d("66.7")],
    ]
    assert report.table("by_kind").rows == [
        ["委员提案", 7, d("58.3"), 5, d("71.4")],
        ["联名提案", 2, d("16.7"), 1, d("50.0")],
        ["党派提案", 1, d("8.3"), 1, d("100.0")],
        ["团体提案", 1, d("8.3"), 1, d("100.0")],
        ["界别提案", 1, d("8.3"), 0, d("0.0")],
        ["委员小组提案", 0, d("0.0"), 0, None],
        ["专委会提案", 0, d("0.0"), 0, None],
        ["合计", 12, d("100.0"), 8, d("66.7")],
    ]


@pytest.mark.django_db
def test_received_by_topic(world, fixture):
    table = stats.report(term=world.term, year=2025).table("by_topic")

    assert row(table, "教科文卫") == ["教科文卫", 5, d("41.7"), 3, d("60.0")]  # P1, P2, P7, P9, P12
    assert row(table, "城乡建设") == ["城乡建设", 3, d("25.0"), 2, d("66.7")]  # P3, P4, P10
    assert row(table, "三农") == ["三农", 3, d("25.0"), 3, d("100.0")]  # P5, P6, P8
    assert row(table, "未分类") == ["未分类", 1, d("8.3"), 0, d("0.0")]  # P11
    assert table.rows[-1] == ["合计", 12, d("100.0"), 8, d("66.7")]


@pytest.mark.django_db
def test_category_shares_count_each_units_latest_answer(world, fixture):
    table = stats.report(term=world.term, year=2025).table("categories")

    # P1 A, P2 B (round 2), P3 A, P4 B (round 2 replaces C), P5 education A; health's draft is no answer
    assert table.rows == [
        ["A", "已经解决或基本解决", 3, d("60.0")],
        ["B", "正在解决或列入规划", 2, d("40.0")],
        ["C", "因条件限制待以后解决", 0, d("0.0")],
        ["D", "留作参考", 0, d("0.0")],
        ["合计", "", 5, d("100.0")],
    ]


@pytest.mark.django_db
def test_satisfaction_overall_and_at_first_handling(world, fixture):
    table = stats.report(term=world.term, year=2025).table("satisfaction")

    assert table.rows == [
        # latest: P1 满意, P2 不满意 (r2), P3 满意 + 基本满意 (m3 未评价 not returned), P4 基本满意 (r2)
        ["办理结果", 5, 2, 2, 1, d("80.0"), d("40.0"), d("40.0")],
        ["办理工作", 5, 3, 2, 0, d("100.0"), d("60.0"), d("40.0")],
        # round 1: P1 满意, P2 不满意, P3 满意 + 基本满意, P4 不满意
        ["初次办理·办理结果", 5, 2, 1, 2, d("60.0"), d("40.0"), d("20.0")],
        ["初次办理·办理工作", 5, 2, 3, 0, d("100.0"), d("40.0"), d("60.0")],
    ]


@pytest.mark.django_db
def test_per_unit_figures(world, fixture):
    table = stats.report(term=world.term, year=2025).table("units")

    assert table.headers == [
        "承办单位", "承办件数", "主办件数", "会办件数", "已办复", "办复率（%）", "按期办复", "按期办复率（%）", "办结",
        "办结率（%）", "A", "B", "C", "D", "回收（份）", "满意率（%）", "初次办理满意率（%）"]
    assert sorted(r[0] for r in table.rows) == sorted(["县教育局", "县交通运输局", "县卫生健康局", "县财政局"])
    # P1 (late), P2, P5 (on time); P1 and P2 concluded; forms P1 满意, P2 不满意 (both rounds)
    assert row(table, "县教育局") == [
        "县教育局", 3, 3, 0, 3, d("100.0"), 2, d("66.7"), 2, d("66.7"), 2, 1, 0, 0, 2, d("50.0"), d("50.0")]
    # P3 (at the deadline), P4; P4 concluded; forms P3 满意 + 基本满意, P4 基本满意 (r2) / 不满意 (r1)
    assert row(table, "县交通运输局") == [
        "县交通运输局", 2, 2, 0, 2, d("100.0"), 2, d("100.0"), 1, d("50.0"), 1, 1, 0, 0, 3, d("100.0"), d("66.7")]
    # P5 (its reply still a draft), P6 (taken over from civil affairs)
    assert row(table, "县卫生健康局") == [
        "县卫生健康局", 2, 2, 0, 0, d("0.0"), 0, d("0.0"), 0, d("0.0"), 0, 0, 0, 0, 0, None, None]
    # 会办 only: no answers, no rates
    assert row(table, "县财政局") == ["县财政局", 1, 0, 1, 0, None, 0, None, 0, None, 0, 0, 0, 0, 0, None, None]


@pytest.mark.django_db
def test_year_and_term_filters(world, fixture):
    whole_term = stats.report(term=world.term).table("overview")
    every_term = stats.report(term=None, year=2025).table("overview")

    # the 2024 proposal joins: one more received, accepted, assigned, answered on time (D)
    assert (whole_term.value("收到提案数", "数值"), whole_term.value("立案数", "数值")) == (13, 9)
    assert (whole_term.value("交办数", "数值"), whole_term.value("按期办复数", "数值")) == (7, 4)
    assert stats.report(term=world.term).table("categories").value("D", "件数") == 1
    # term 9's 2025 proposal joins
    assert (every_term.value("收到提案数", "数值"), every_term.value("立案数", "数值")) == (13, 9)
    # P12 was submitted at 00:30 on 1 January 2025 Beijing time (still 2024 in UTC)
    assert stats.years(world.term) == [2025, 2024]


def test_percent_rounds_half_up_to_one_decimal():
    assert stats.percent(2, 3) == Decimal("66.7")
    assert stats.percent(1, 16) == Decimal("6.3")  # 6.25: half up, not to even
    assert stats.percent(1, 40) == Decimal("2.5")
    assert stats.percent(0, 5) == Decimal("0.0")
    assert stats.percent(0, 0) is None


# --- the page, its charts and its export ------------------------------------------------------------------------------


class TableParser(html.parser.HTMLParser):
    """The text of every cell of the ``table[data-table]`` elements of a page, row by row."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.cell = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.current = self.tables.setdefault(attrs["data-table"], [])
        elif self.current is not None and tag == "tr":
            self.current.append([])
        elif self.current is not None and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None
        elif tag in ("td", "th") and self.cell is not None:
            self.current[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def shown(cell) -> str:
    """A cell as the spreadsheet shows it."""
    if cell.value is None:
        return ""
    if cell.number_format == exports.PERCENT_FORMAT and isinstance(cell.value, (int, float)):
        return f"{cell.value:.1f}"
    return str(cell.value)


@pytest.mark.django_db
def test_exported_workbook_equals_every_table_on_screen(client, world, fixture):
    # given the page as staff see it
    client.force_login(world.staff)
    query = {"term": world.term.pk, "year": 2025}
    page = client.get("/proposals/reports/", query)
    assert page.status_code == 200
    parser = TableParser()
    parser.feed(page.content.decode())
    report = page.context["report"]
    assert set(parser.tables) == {t.key for t in report.tables}
    assert dict(parser.tables["overview"][1:])["立案率（%）"] == "66.7"

    # when the whole report is exported and read back
    response = client.get("/proposals/reports/export/", query)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))

    # then each sheet is its table on screen, cell for cell
    for table in report.tables:
        sheet = book[table.title]
        assert [[shown(c) for c in r] for r in sheet.iter_rows()] == parser.tables[table.key], table.key
    assert "口径说明" in book.sheetnames


@pytest.mark.django_db
def test_a_single_table_exports_alone(client, world, fixture):
    client.force_login(world.staff)

    response = client.get("/proposals/reports/export/", {"term": world.term.pk, "year": 2025, "table": "units"})

    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["承办单位", "口径说明"]
    assert [c.value for c in book["承办单位"][1]][:3] == ["承办单位", "承办件数", "主办件数"]
    assert client.get("/proposals/reports/export/", {"table": "nope"}).status_code == 404


@pytest.mark.django_db
def test_export_neutralises_text_that_would_run_as_a_formula(client, world, fixture):
    # given topics and a unit whose names look like formulas
    for name in ("=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)"):
        TopicFactory(name=name)
    P = fixture
    assign(world, P[7], UnitFactory(name="=cmd|' /C calc'!A0"))
    Proposal.objects.filter(pk=P[7].pk).update(assigned_at=ASSIGNED_AT)
    client.force_login(world.staff)

    # when exported
    response = client.get("/proposals/reports/export/", {"term": world.term.pk, "year": 2025})
    book = load_workbook(io.BytesIO(response.content))

    # then no cell is a formula, and the names keep their text behind an apostrophe
    cells = [c for sheet in book for r in sheet.iter_rows() for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert {"'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'=cmd|' /C calc'!A0"} <= values
    assert exports.neutralise("正常") == "正常"
    assert exports.neutralise(-3) == -3


@pytest.mark.django_db
def test_page_draws_charts_from_the_vendored_library_and_works_on_a_phone(client, world, fixture):
    client.force_login(world.staff)

    page = client.get("/proposals/reports/").content.decode()

    assert "/static/vendor/chartjs/chart.umd.js" in page
    assert "cdn" not in page.lower()
    assert 'id="chart-by_topic"' in page and 'id="report-charts"' in page
    assert 'class="list stack"' in page and 'data-label="立案率（%）"' in page


@pytest.mark.django_db
def test_statistics_page_costs_the_same_queries_for_a_larger_year(client, world, fixture):
    client.force_login(world.staff)
    url = "/proposals/reports/"
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200

    # given many more proposals, units, topics, replies and evaluations
    cat = categories()
    for n in range(15):
        proposal = make_proposal(world, topic=TopicFactory(name=f"专题{n}"), proposer=world.member2)
        assignment = assign(world, proposal, UnitFactory(name=f"县第{n}办公室"))
        reply(world, assignment, cat["ABCD"[n % 4]], issued_at=at(2025, 5, 1))
        evaluate(proposal, world.member2, S, B)

    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
    assert len(small) <= 25


@pytest.mark.django_db
def test_statistics_are_for_proposal_staff_only(client, world, fixture):
    for user in (world.member1, world.unit1):
        client.force_login(user)
        before = AuditEvent.objects.filter(action="access_denied").count()
        assert client.get("/proposals/reports/").status_code == 404
        assert client.get("/proposals/reports/export/").status_code == 404
        assert AuditEvent.objects.filter(action="access_denied").count() == before + 2
    client.force_login(world.office)
    assert client.get("/proposals/reports/").status_code == 200


@pytest.mark.django_db
def test_an_invalid_filter_falls_back_to_the_current_term(client, world, fixture):
    client.force_login(world.staff)

    response = client.get("/proposals/reports/", {"term": "999", "year": "abc"})

    assert response.status_code == 200
    assert response.context["report"].term == world.term
    assert response.context["report"].table("overview").value("收到提案数", "数值") == 13


# --- printable reply letter and opinion form ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_reply_letter_prints_on_letterhead_with_number_category_signer_and_contacts(client, world, fixture):
    letter = Reply.objects.get(assignment__proposal=fixture[3], round=1)
    client.force_login(world.member2)  # a co-signer of P3

    page = client.get(f"/proposals/reports/replies/{letter.pk}/print/").content.decode()

    assert 'class="letterhead">县交通运输局<' in page
    assert letter.reference_number in page
    assert 'data-testid="category-mark" title="A 已经解决或基本解决">A<' in page
    assert world.unitlead1.get_full_name() in page
    assert "钱经办" in page and "0953-1112223" in page
    assert "李明华、王秀英、张建国委员" in page
    assert fixture[3].number in page and "draft-mark" not in page
    # A4 comes from the print stylesheet (no inline style under the Content-Security-Policy)
    assert "css/print-proposals.css" in page and "css/print-reply.css" in page


@pytest.mark.django_db
def test_a_draft_letter_is_the_units_not_the_proposers(client, world, fixture):
    draft = Reply.objects.get(assignment__proposal=fixture[5], assignment__unit=world.health)
    url = f"/proposals/reports/replies/{draft.pk}/print/"
    client.force_login(world.unit3)  # health
    assert 'data-testid="draft-mark"' in client.get(url).content.decode()

    client.force_login(world.unit1)  # education, the other 分办 unit
    assert client.get(url).status_code == 200

    # the proposal's own proposer, and a unit with no part in it, do not see the draft
    Proposal.objects.filter(pk=fixture[5].pk).update(first_proposer=world.member1)
    for user in (world.member1, world.unit2):
        client.force_login(user)
        before = AuditEvent.objects.filter(action="access_denied").count()
        assert client.get(url).status_code == 404
        assert AuditEvent.objects.filter(action="access_denied").count() == before + 1


@pytest.mark.django_db
def test_reply_letter_is_refused_outside_the_proposal(client, world, fixture):
    letter = Reply.objects.get(assignment__proposal=fixture[1])
    client.force_login(world.member3)

    assert client.get(f"/proposals/reports/replies/{letter.pk}/print/").status_code == 404
    assert AuditEvent.objects.filter(action="access_denied").exists()


@pytest.mark.django_db
def test_opinion_form_has_one_page_per_evaluator_with_both_ratings(client, world, fixture):
    ProposalSettings.objects.update_or_create(pk=1, defaults={"evaluators": ProposalSettings.Evaluators.ALL})
    client.force_login(world.member1)

    page = client.get(f"/proposals/reports/evaluations/{fixture[3].pk}/form/").content.decode()

    assert page.count('data-testid="opinion-form"') == 3  # the first proposer and both co-signers
    assert "提案办理情况征询意见表" in page and fixture[3].number in page and fixture[3].title in page
    assert "县交通运输局（主办）" in page and "县财政局（会办）" in page
    assert page.count("办理工作") == 3 and page.count("办理结果") == 3
    assert page.count("基本满意") == 6 and page.count("不满意") >= 6
    # m1 and m2 answered: their ticks are printed; m3's form is blank
    assert page.count("✓</span>") == 4
    assert "意见和建议" in page and "提案人签名" in page


@pytest.mark.django_db
def test_opinion_form_is_refused_outside_the_proposal(client, world, fixture):
    client.force_login(UserFactory(username="stranger"))
    before = AuditEvent.objects.filter(action="access_denied").count()

    assert client.get(f"/proposals/reports/evaluations/{fixture[1].pk}/form/").status_code == 404
    assert AuditEvent.objects.filter(action="access_denied").count() == before + 1
