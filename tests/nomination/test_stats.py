"""Each statistic against a small fixture whose figures were counted by hand (expected values are literals)."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from nomination import stats
from nomination.models import Person, PostRecord, RosterEntry, RosterTerm, StaffingTarget

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 6, 30)
D = Decimal

# name, gender, birth, ethnicity, party, education, post level, 实职, pool state
PEOPLE = [
    ("甲", "m", datetime.date(1990, 7, 1), "汉族", "minmeng", "bachelor", "deputy_section", True, "in_pool"),  # 35
    ("乙", "f", datetime.date(1990, 6, 30), "回族", "minmeng", "master", "section", True, "in_pool"),  # 36 today
    ("丙", "m", datetime.date(1981, 1, 15), "回族", "non_party", "bachelor", "section", False, "in_pool"),  # 45
    ("丁", "f", datetime.date(1976, 3, 1), "汉族", "jiusan", "doctor", "deputy_division", True, "in_pool"),  # 50
    ("戊", "m", datetime.date(1975, 6, 30), "蒙古族", "masses", "college", "staff", False, "in_pool"),  # 51 today
    ("己", "f", datetime.date(1995, 1, 1), "回族", "minge", "college", "", False, "in_pool"),  # 31
    ("庚", "m", datetime.date(1980, 2, 2), "汉族", "minjian", "bachelor", "deputy_section", True, "proposed"),
    ("辛", "f", datetime.date(1978, 4, 4), "回族", "minmeng", "master", "deputy_division", True, "used"),
    ("壬", "m", datetime.date(1970, 5, 5), "汉族", "minjin", "bachelor", "section", False, "removed"),
    ("癸", "m", datetime.date(1972, 6, 6), "汉族", "non_party", "bachelor", "division", True, "none"),
    ("子", "f", datetime.date(1985, 7, 7), "汉族", "masses", "secondary", "", False, "none"),
]


@pytest.fixture
def figures(db):
    for index, (name, gender, birth, ethnicity, party, education, level, real, state) in enumerate(PEOPLE):
        Person.objects.create(name=name, id_number=f"x{index}", id_number_hmac=f"h{index}", gender=gender,
                              birth_date=birth, ethnicity=ethnicity, party=party, education=education,
                              post_level=level, is_leadership_post=real, pool_state=state, work_unit="县某局")
    now = timezone.now()
    both = {"org_confirmed_at": now, "uf_confirmed_at": now}
    StaffingTarget.objects.create(year=2026, team="甲班子", required=2, **both)
    StaffingTarget.objects.create(year=2026, team="乙班子", required=1, **both)  # over-filled: no gap
    StaffingTarget.objects.create(year=2026, team="丙班子", required=3, **both)
    StaffingTarget.objects.create(year=2026, team="丁班子", required=5, org_confirmed_at=now)  # one only
    StaffingTarget.objects.create(year=2025, team="甲班子", required=9, **both)  # another year
    # 已配 is computed from the posts held: 1 in 甲班子, 2 in 乙班子
    for name, team in (("甲", "甲班子"), ("辛", "乙班子"), ("癸", "乙班子")):
        PostRecord.objects.create(person=Person.objects.get(name=name), started_on=datetime.date(2020, 1, 1),
                                  unit=team, post="副职")

    def roster(body, number, is_current, entries):
        term = RosterTerm.objects.create(body=body, number=number, name=f"{body}{number}",
                                         starts_on=datetime.date(2022, 1, 1), is_current=is_current)
        for i, (affiliation, standing, vice) in enumerate(entries):
            RosterEntry.objects.create(term=term, name=f"{body}{i}", gender="m", birth_month=datetime.date(1970, 1, 1),
                                       affiliation=affiliation, is_standing=standing, is_vice_chair=vice)

    cpc, nc = "cpc", "minmeng"
    # county CPPCC: 10 members, 7 non-CPC; standing 4 (3 non-CPC); vice-chairs 2 (1 non-CPC)
    roster("county_cppcc", 10, True, [(cpc, True, True), (cpc, False, False), (cpc, False, False),
                                      (nc, True, True), (nc, True, False), (nc, True, False),
                                      (nc, False, False), (nc, False, False), (nc, False, False), (nc, False, False)])
    roster("county_cppcc", 9, False, [(cpc, True, True)] * 5)  # history: never counted
    # prefecture CPPCC: 5 members, 2 non-CPC; standing 1 (CPC); no vice-chair
    roster("pref_cppcc", 7, True, [(cpc, True, False), (cpc, False, False), (cpc, False, False),
                                   (nc, False, False), (nc, False, False)])
    # county NPC: 8 deputies, 3 non-CPC
    roster("county_npc", 18, True, [(cpc, False, False)] * 5 + [(nc, False, False)] * 3)


def test_non_party_cadres_at_or_above_section_level_by_rank(figures):
    table = stats.cadres_by_rank()
    assert table.rows == [["正处级", 1, 1], ["副处级", 2, 2], ["正科级", 3, 1], ["副科级", 2, 2], ["合计", 8, 6]]


def test_reserve_by_rank(figures):
    table = stats.pool_by_rank()
    assert [(r[0], r[1]) for r in table.rows] == [
        ("正处级", 0), ("副处级", 1), ("正科级", 2), ("副科级", 1), ("一般干部", 1), ("无职务层次", 1), ("合计", 6)]


def test_reserve_by_education(figures):
    assert stats.pool_by_education().rows == [
        ["中专及以下", 0, D("0.0")], ["大专", 2, D("33.3")], ["本科", 2, D("33.3")], ["硕士研究生", 1, D("16.7")],
        ["博士研究生", 1, D("16.7")], ["合计", 6, D("100.0")]]


def test_reserve_by_party_shows_the_democratic_parties_subtotal_apart_from_non_party_and_masses(figures):
    table = stats.pool_by_party()
    assert [(r[0], r[1], r[2]) for r in table.rows if r[1]] == [
        ("民革", 1, D("16.7")), ("民盟", 2, D("33.3")), ("九三学社", 1, D("16.7")), ("民主党派小计", 4, D("66.7")),
        ("无党派人士", 1, D("16.7")), ("群众", 1, D("16.7")), ("合计", 6, D("100.0"))]
    assert table.value("民建") == 0  # a proposed (not yet confirmed) member is not in the pool
    assert "民主党派小计" not in table.chart_labels


def test_reserve_by_age_band_counts_full_years_on_the_day(figures):
    table = stats.pool_by_age(AS_OF)
    assert [(r[0], r[1]) for r in table.rows] == [
        ("35 岁及以下", 2), ("36–40 岁", 1), ("41–45 岁", 1), ("46–50 岁", 1), ("51 岁及以上", 1), ("合计", 6)]


def test_reserve_by_gender(figures):
    assert stats.pool_by_gender().rows == [["男", 3, D("50.0")], ["女", 3, D("50.0")], ["合计", 6, D("100.0")]]


def test_reserve_by_ethnicity(figures):
    assert stats.pool_by_ethnicity().rows == [
        ["汉族", 2, D("33.3")], ["回族", 3, D("50.0")], ["蒙古族", 1, D("16.7")], ["其中少数民族", 4, D("66.7")],
        ["合计", 6, D("100.0")]]


def test_pool_size_against_posts_counts_only_jointly_confirmed_targets_of_the_year(figures):
    table = stats.pool_against_posts(2026)
    assert table.rows == [
        ["已确认配备表的领导班子", 3], ["应配党外干部职数", 6], ["已配党外干部职数", 3], ["可配备职数（缺口）", 4],
        ["在库党外后备干部", 6], ["在库人数与可配备职数之比", D("1.50")], ["是否多于可配备职数", "是"]]
    assert table.note == "另有 1 个领导班子的配备表尚未经两部确认，未计入。"


def test_non_party_shares_of_current_rosters_against_the_cppcc_targets(figures):
    table = stats.representative_shares()
    assert stats.share_of(table, "县政协委员", "代表/委员")[3:] == [10, 7, D("70.0"), D(60), "是"]
    assert stats.share_of(table, "县政协委员", "常委")[3:] == [4, 3, D("75.0"), D(65), "是"]
    assert stats.share_of(table, "县政协委员", "副主席（副主任）")[3:] == [2, 1, D("50.0"), D(50), "是"]
    assert stats.share_of(table, "州政协委员", "代表/委员")[3:] == [5, 2, D("40.0"), D(60), "否"]
    assert stats.share_of(table, "州政协委员", "常委")[3:] == [1, 0, D("0.0"), D(65), "否"]
    assert stats.share_of(table, "州政协委员", "副主席（副主任）")[3:] == [0, 0, None, D(50), "—"]
    assert stats.share_of(table, "县人大代表", "代表/委员")[3:] == [8, 3, D("37.5"), None, "—"]
    assert stats.share_of(table, "州人大代表", "代表/委员")[1:] == ["—", "代表/委员", 0, 0, None, None, "—"]


def test_percentages_round_half_up():
    assert stats.percent(1, 8) == D("12.5")
    assert stats.percent(1, 16) == D("6.3")  # 6.25 rounds up, not to even
    assert stats.percent(0, 0) is None


# --- the report's own terms (issue #13 item 5) -------------------------------------------------------------------------

BJ = ZoneInfo("Asia/Shanghai")


def _at(y, m, d, hour=9, minute=0):
    return datetime.datetime(y, m, d, hour, minute, tzinfo=BJ)


# name, party, birth, level, 实职, 职级, 统战身份类别, unit, state, entered, removed, used_on, removal reason
REPORT = [
    ("赵一", "minmeng", datetime.date(1980, 1, 1), "section", True, "principal_1", "intellectual", "县教育局",
     "in_pool", _at(2023, 5, 1), None, None, ""),
    ("钱二", "minmeng", datetime.date(1990, 7, 1), "deputy_section", True, "principal_2", "ethnic", "县卫生健康局",
     "in_pool", _at(2024, 3, 1), None, None, ""),
    # entered half an hour into 2026 Beijing time (still 2025 in UTC): a 2026 entry
    ("孙三", "jiusan", datetime.date(1985, 6, 30), "deputy_section", False, "principal_4", "intellectual", "县教育局",
     "in_pool", _at(2026, 1, 1, 0, 30), None, None, ""),
    ("李四", "non_party", datetime.date(1975, 12, 31), "staff", False, "", "", "县统计局",
     "in_pool", _at(2024, 1, 15), None, None, ""),
    ("周五", "masses", datetime.date(1995, 2, 1), "", False, "", "private_economy", "豫海镇人民政府",
     "in_pool", _at(2026, 2, 1), None, None, ""),
    ("吴六", "masses", datetime.date(1988, 8, 8), "section", True, "principal_3", "new_class", "县审计局",
     "in_pool", _at(2022, 1, 1), None, None, ""),
    ("郑七", "minge", datetime.date(1970, 3, 3), "deputy_division", True, "researcher_2", "intellectual", "县人民法院",
     "used", _at(2022, 6, 1), None, datetime.date(2025, 7, 1), ""),
    ("王八", "minjian", datetime.date(1982, 4, 4), "section", True, "principal_1", "private_economy", "县卫生健康局",
     "removed", _at(2023, 1, 1), _at(2024, 11, 11), None, "transferred"),
    ("冯九", "non_party", datetime.date(1978, 9, 9), "division", True, "researcher_1", "intellectual", "县人民检察院",
     "none", None, None, None, ""),
    ("陈十", "zhigong", datetime.date(1992, 10, 10), "deputy_section", False, "clerk_1", "returnee", "县审计局",
     "proposed", None, None, None, ""),
    ("褚十一", "minjin", datetime.date(1983, 11, 11), "section", True, "principal_2", "", "县科学技术局",
     "removed", _at(2024, 6, 1), _at(2026, 3, 1), None, "joined_cpc"),
    # in the pool today, but entered after the statistics date
    ("卫十二", "taimeng", datetime.date(1987, 12, 12), "", False, "", "overseas", "县统计局",
     "in_pool", _at(2026, 7, 15), None, None, ""),
]
POOL_NOW = {"赵一", "钱二", "孙三", "李四", "周五", "吴六", "卫十二"}


@pytest.fixture
def report(db):
    for index, (name, party, birth, level, real, rank, category, unit, state, entered, removed, used,
                reason) in enumerate(REPORT):
        Person.objects.create(
            name=name, id_number=f"6400{index:02d}存档号码{index:04d}", id_number_hmac=f"rh{index}", gender="m" if index % 2 else "f",
            birth_date=birth, ethnicity="汉族", party=party, education="bachelor", post_level=level,
            is_leadership_post=real, rank=rank, uf_category=category, work_unit=unit, pool_state=state,
            entered_pool_at=entered, removed_at=removed, used_on=used, removal_reason=reason)
    for team in ("县教育局领导班子", "县人民政府领导班子", "县统计局领导班子"):
        StaffingTarget.objects.create(year=2026, team=team, required=1)
    StaffingTarget.objects.create(year=2025, team="县民政局领导班子", required=1)  # another year


def test_pool_by_grade_counts_the_stored_rank(report):
    table = stats.pool_by_grade(AS_OF)
    assert [(r[0], r[1]) for r in table.rows] == [
        ("一级调研员", 0), ("二级调研员", 0), ("三级调研员", 0), ("四级调研员", 0), ("一级主任科员", 1),
        ("二级主任科员", 1), ("三级主任科员", 1), ("四级主任科员", 1), ("一级科员", 0), ("二级科员", 0),
        ("未定职级", 3), ("合计", 7)]


def test_pool_by_united_front_category(report):
    table = stats.pool_by_uf_category(AS_OF)
    assert [(r[0], r[1], r[2]) for r in table.rows] == [
        ("党外知识分子", 2, D("28.6")), ("少数民族人士", 1, D("14.3")), ("宗教界人士", 0, D("0.0")),
        ("非公有制经济人士", 1, D("14.3")), ("新的社会阶层人士", 1, D("14.3")), ("出国和归国留学人员", 0, D("0.0")),
        ("港澳同胞、台湾同胞和海外侨胞", 1, D("14.3")), ("未填", 1, D("14.3")), ("合计", 7, D("100.0"))]


def test_pool_by_party_keeps_the_masses_out_of_the_democratic_parties(report):
    table = stats.pool_by_party(AS_OF)
    assert [(r[0], r[1]) for r in table.rows] == [
        ("民革", 0), ("民盟", 2), ("民建", 0), ("民进", 0), ("农工党", 0), ("致公党", 0), ("九三学社", 1), ("台盟", 1),
        ("民主党派小计", 4), ("无党派人士", 1), ("群众", 2), ("合计", 7)]
    assert table.value("民主党派小计", 2) == D("57.1")


def test_cadres_by_rank_and_by_head_or_deputy_post(report):
    assert stats.cadres_by_rank(AS_OF).rows == [
        ["正处级", 1, 1], ["副处级", 1, 1], ["正科级", 4, 4], ["副科级", 3, 1], ["合计", 9, 7]]
    assert [(r[0], r[1]) for r in stats.cadres_by_post_role(AS_OF).rows] == [
        ("正职（正处级、正科级实职）", 5), ("副职（副处级、副科级实职）", 2), ("非领导职务", 2), ("合计", 9)]


def test_teams_with_and_without_a_non_party_member(report):
    table = stats.teams_staffing(2026, AS_OF)
    # units: the year's three teams + the cadres' units; 褚十一 joined the CPC, so 县科学技术局 has none
    assert table.rows == [
        ["配备党外干部的班子", 5, D("62.5"), 6], ["未配备党外干部的班子", 3, D("37.5"), 0],
        ["合计", 8, D("100.0"), 6]]
    for unit in ("县人民政府", "县统计局", "县科学技术局"):
        assert unit in table.note
    assert "县民政局" not in table.note


def test_average_ages_in_full_years_on_the_day(report):
    table = stats.average_ages(AS_OF)
    assert table.rows == [
        ["在库党外后备干部", 7, D("39.7")],  # 46+35+41+50+31+37+38 = 278 / 7
        ["其中民主党派成员", 4, D("40.0")],  # 46+35+41+38
        ["其中无党派人士", 1, D("50.0")],
        ["其中群众", 2, D("34.0")],  # 31+37
        ["科级以上党外干部", 9, D("42.3")],  # 46+35+41+37+56+44+47+33+42 = 381 / 9
    ]


def test_trends_count_the_pool_at_each_year_end_from_its_history(report):
    table = stats.pool_trends(AS_OF, years=3)
    assert table.rows == [
        # 2024-12-31: 赵一 钱二 李四 吴六 郑七 褚十一 (王八 removed in November)
        ["2024", 6, 4, 1, 1, 3, 0, D("43.0")],
        # 2025-12-31: 郑七 used in July; 孙三 entered on 1 January 2026 Beijing time
        ["2025", 5, 3, 1, 1, 0, 1, D("41.8")],
        # 2026-06-30 (the statistics date): 褚十一 removed in March; 卫十二 enters in July
        ["2026", 6, 3, 1, 2, 2, 0, D("40.0")],
    ]


def _names(client, query):
    response = client.get(f"{reverse('nomination:statistics_people')}?{query}")
    assert response.status_code == 200, query
    page = response.context["page"]
    return {row.person.name for row in response.context["rows"]}, page.paginator.count


def test_every_figure_links_to_exactly_the_people_it_counts(client, cadres, report):
    # given
    client.force_login(cadres.uf1)
    tables = client.get(reverse("nomination:statistics"), {"as_of": "2026-06-30", "year": 2026}).context["tables"]
    # when / then: each linked cell lists as many people as it shows
    checked = 0
    for table in tables:
        for (row, column), query in table.links.items():
            _names_, count = _names(client, query)
            assert count == table.rows[row][column], (table.key, table.rows[row], query)
            checked += 1
    assert checked > 60
    # and the people are the ones counted by hand
    party = next(t for t in tables if t.key == "pool_party")
    assert _names(client, party.link("民主党派小计"))[0] == {"赵一", "钱二", "孙三", "卫十二"}
    assert _names(client, party.link("群众"))[0] == {"周五", "吴六"}
    trends = next(t for t in tables if t.key == "trends")
    assert _names(client, trends.link(str(AS_OF.year - 2)))[0] == {"赵一", "钱二", "李四", "吴六", "郑七", "褚十一"}
    teams = next(t for t in tables if t.key == "teams")
    assert _names(client, teams.link("配备党外干部的班子", 3))[0] == {"赵一", "钱二", "吴六", "郑七", "王八", "冯九"}


def test_the_drill_down_list_masks_the_id_number(client, cadres, report):
    client.force_login(cadres.uflead1)
    page = client.get(reverse("nomination:statistics_people"),
                      {"dim": "pool", "value": "all", "as_of": "2026-06-30"}).content.decode()
    assert "赵一" in page
    # the stored number is never printed (its middle is what the mask hides; "r0" once matched a random token)
    assert "存档号码" not in page and "6400******0000" in page


def test_the_drill_down_list_costs_the_same_whatever_its_length(client, cadres, report):
    client.force_login(cadres.uf1)
    url = reverse("nomination:statistics_people")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"dim": "party", "value": "masses", "as_of": "2026-06-30"})
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"dim": "pool", "value": "all", "as_of": "2026-06-30"})
    assert len(many) == len(few)


def test_the_export_equals_the_screen(client, cadres, report):
    # given
    client.force_login(cadres.uf1)
    params = {"as_of": "2026-06-30", "year": 2026, "years": 3}
    tables = client.get(reverse("nomination:statistics"), params).context["tables"]
    # when
    export = client.get(reverse("nomination:statistics_export"), params)
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    # then
    assert len(book.worksheets) == len(tables)
    for sheet, table in zip(book.worksheets, tables, strict=True):
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        header_at = next(i for i, r in enumerate(values) if r[:len(table.headers)] == table.headers)
        body = values[header_at + 1:header_at + 1 + len(table.rows)]
        for row, exported in zip(table.rows, body, strict=True):
            shown = [float(c) if isinstance(c, D) else c for c in row]
            assert exported[:len(shown)] == shown, table.key
    grade = next(t for t in tables if t.key == "pool_grades")
    assert grade.value("未定职级") == 3


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31", "garbage", "2026-02-30", "<script>"])
@pytest.mark.parametrize("name", ["nomination:statistics", "nomination:statistics_export",
                                  "nomination:statistics_people"])
def test_an_unusable_statistics_date_gives_a_chinese_error_not_a_500(client, cadres, name, as_of):
    client.force_login(cadres.uf1)
    response = client.get(reverse(name), {"as_of": as_of, "dim": "pool", "value": "all"})
    assert response.status_code == 400
    assert "统计日期" in response.content.decode()


def test_an_unknown_figure_gives_a_chinese_error(client, cadres):
    client.force_login(cadres.uf1)
    for dim, value in (("nope", "all"), ("party", "cpc"), ("year_pool", "abc"), ("year_pool", "99999"),
                       ("age_band", "9")):
        response = client.get(reverse("nomination:statistics_people"), {"dim": dim, "value": value})
        assert response.status_code == 400
        assert "统计项不存在" in response.content.decode()


@pytest.mark.parametrize("username", ["party1", "jiwei1", "outsider"])
def test_the_drill_down_is_for_the_two_departments_only(client, cadres, username):
    client.force_login(getattr(cadres, username))
    response = client.get(reverse("nomination:statistics_people"), {"dim": "pool", "value": "all"})
    assert response.status_code in (403, 404)


def test_the_page_links_each_figure_and_costs_the_same_whatever_the_pool(client, cadres, report):
    client.force_login(cadres.uflead1)
    url = reverse("nomination:statistics")
    params = {"as_of": "2026-06-30", "year": 2026}
    client.get(url, params)  # warm the per-process caches
    with CaptureQueriesContext(connection) as before:
        page = client.get(url, params).content.decode()
    assert 'href="/nomination/statistics/people/?dim=party&amp;value=democratic&amp;as_of=2026-06-30"' in page
    for index in range(8):
        Person.objects.create(name=f"新{index}", id_number=f"n{index}", id_number_hmac=f"nh{index}", gender="m",
                              birth_date=datetime.date(1990, 1, 1), party="minmeng", education="bachelor",
                              work_unit=f"新单位{index}", post_level="section", is_leadership_post=True,
                              pool_state="in_pool", entered_pool_at=_at(2025, 1, 1))
    with CaptureQueriesContext(connection) as after:
        client.get(url, params)
    assert len(after) == len(before)
