"""Each statistic against a small fixture whose figures were counted by hand (expected values are literals)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from nomination import stats
from nomination.models import Person, RosterEntry, RosterTerm, StaffingTarget

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
    StaffingTarget.objects.create(year=2026, team="甲班子", required=2, filled=1, **both)
    StaffingTarget.objects.create(year=2026, team="乙班子", required=1, filled=2, **both)  # over-filled: no gap
    StaffingTarget.objects.create(year=2026, team="丙班子", required=3, filled=0, **both)
    StaffingTarget.objects.create(year=2026, team="丁班子", required=5, filled=0, org_confirmed_at=now)  # one only
    StaffingTarget.objects.create(year=2025, team="甲班子", required=9, filled=0, **both)  # another year

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


def test_reserve_by_party(figures):
    table = stats.pool_by_party()
    assert [(r[0], r[1], r[2]) for r in table.rows if r[1]] == [
        ("民革", 1, D("16.7")), ("民盟", 2, D("33.3")), ("九三学社", 1, D("16.7")), ("无党派人士", 1, D("16.7")),
        ("群众", 1, D("16.7")), ("合计", 6, D("100.0"))]
    assert table.value("民建") == 0  # a proposed (not yet confirmed) member is not in the pool


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
