"""The cadre pages over HTTP, per role: who sees what, what bad input does, and what list pages cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nomination import services
from nomination.models import Person, PoolState, StaffingTarget
from workflows.models import AuditEvent

from .conftest import awaiting_confirmation, in_pool, make_id_number, person_data, recommended

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["nomination:people", "nomination:rosters", "nomination:staffing", "nomination:statistics"]


def form_data(**overrides):
    data = {"name": "马文华", "id_number": make_id_number(), "ethnicity": "回族", "party": "minmeng",
            "education": "bachelor", "degree": "bachelor", "work_unit": "县教育局", "current_post": "副局长",
            "post_level": "deputy_section", "phone": "13912345678", "reason": "业务骨干，群众认可。"}
    data.update(overrides)
    return data


def denied(client, url, method="get"):
    before = AuditEvent.objects.filter(action="access_denied").count()
    response = getattr(client, method)(url)
    return response.status_code in (403, 404) and AuditEvent.objects.filter(
        action="access_denied").count() == before + 1


# --- who sees what ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["org1", "orglead1", "uf1", "uflead1"])
def test_both_departments_see_every_record_and_the_vetting_material(client, cadres, username):
    person = in_pool(cadres)
    client.force_login(getattr(cadres, username))
    for name in STAFF_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    page = client.get(reverse("nomination:person", args=[person.pk])).content.decode()
    assert "考核评价" in page and "综合评价良好。" in page and 'data-testid="timeline"' in page


@pytest.mark.parametrize("username", ["jiwei1", "cppcc_staff", "outsider"])
def test_the_discipline_organ_and_the_cppcc_side_see_nothing_of_the_pool(client, cadres, username):
    person = in_pool(cadres)
    client.force_login(getattr(cadres, username))
    for url in [reverse("nomination:index"), *map(reverse, STAFF_PAGES), reverse("nomination:mine"),
                reverse("nomination:person", args=[person.pk]), reverse("nomination:person_export")]:
        assert denied(client, url), url
    assert "党外人才库" not in client.get("/").content.decode()


def test_a_party_organisation_sees_its_own_submissions_only_and_no_vetting_material(client, cadres):
    own = in_pool(cadres, actor=cadres.party1)
    other = recommended(cadres, unit=cadres.other_party, id_number=make_id_number(sequence=31), name="别人推荐")
    client.force_login(cadres.party1)
    mine = client.get(reverse("nomination:mine")).content.decode()
    assert own.name in mine and "别人推荐" not in mine and "在库" in mine
    page = client.get(reverse("nomination:person", args=[own.pk])).content.decode()
    assert "在库" in page
    for vetting in ("考核评价", "综合评价良好。", 'data-testid="timeline"', "组织部确认", "会商确认入库"):
        assert vetting not in page, vetting
    assert denied(client, reverse("nomination:person", args=[other.pk]))
    for name in STAFF_PAGES:
        assert denied(client, reverse(name)), name
    assert client.get(reverse("nomination:index"))["Location"] == reverse("nomination:mine")


def test_a_party_organisation_cannot_act_on_its_own_submission(client, cadres):
    person = recommended(cadres, actor=cadres.party1)
    client.force_login(cadres.party1)
    url = reverse("nomination:person_pool", args=[person.pk])
    before = AuditEvent.objects.filter(action="access_denied").count()
    assert client.post(url, {"step": "start_assessment"}).status_code == 403
    assert AuditEvent.objects.filter(action="access_denied").count() == before + 1
    assert client.get(reverse("nomination:person_edit", args=[person.pk])).status_code == 403
    assert Person.objects.get(pk=person.pk).pool_state == PoolState.PROPOSED


# --- forms -----------------------------------------------------------------------------------------------------------


def test_a_party_organisation_recommends_through_the_form(client, cadres):
    client.force_login(cadres.party1)
    response = client.post(reverse("nomination:recommend"), form_data(recommending_unit=cadres.party_unit.pk))
    person = Person.objects.get()
    assert response["Location"] == reverse("nomination:person", args=[person.pk])
    assert person.pool_state == PoolState.PROPOSED and person.recommended_by == cadres.party1
    form = client.get(reverse("nomination:recommend")).content.decode()
    assert "民建同心县委员会" not in form  # only its own unit to choose


def test_bad_input_shows_chinese_errors_keeps_what_was_typed_and_escapes_html(client, cadres):
    client.force_login(cadres.uf1)
    response = client.post(reverse("nomination:person_create"), form_data(
        id_number="640324198503150000", name="<script>alert(1)</script>", speciality="农村经济管理"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "身份证号有误：身份证号校验码不正确，请核对。" in page
    assert "农村经济管理" in page and "640324198503150000" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert not Person.objects.exists()


def test_a_pool_step_with_a_missing_reason_stays_on_the_page_with_the_form_open(client, cadres):
    person = awaiting_confirmation(cadres)
    client.force_login(cadres.orglead1)
    response = client.post(reverse("nomination:person_pool", args=[person.pk]), {"step": "decline", "reason": ""})
    page = response.content.decode()
    assert response.status_code == 200 and "这个字段是必填项" in page
    assert 'id="pool-decline" open' in page


def test_the_two_departments_confirm_an_entry_through_the_page(client, cadres):
    person = awaiting_confirmation(cadres)
    url = reverse("nomination:person_pool", args=[person.pk])
    client.force_login(cadres.org1)
    page = client.post(url, {"step": "confirm", "comment": "同意"}, follow=True).content.decode()
    assert "本部门已确认，等待另一部门确认。" in page
    assert "会商确认入库" not in page  # the Organization Department has nothing left to confirm
    again = client.post(url, {"step": "confirm"}, follow=True).content.decode()
    assert "组织部已确认，需等待另一部门确认。" in again
    client.force_login(cadres.uf1)
    done = client.post(url, {"step": "confirm"}, follow=True).content.decode()
    assert "两部均已确认，已入库。" in done
    assert Person.objects.get(pk=person.pk).pool_state == PoolState.IN_POOL


def test_records_are_added_from_the_person_page(client, cadres):
    person = in_pool(cadres)
    client.force_login(cadres.org1)
    url = reverse("nomination:person_record", args=[person.pk])
    client.post(url, {"kind": "training", "training_kind": "secondment", "title": "河西镇挂职副镇长",
                      "started_on": "2025-03-01"})
    bad = client.post(url, {"kind": "post", "unit": "县教育局", "post": "科员", "started_on": "2020-01-01",
                            "ended_on": "2019-01-01"})
    assert "截止时间不能早于起始时间。" in bad.content.decode()
    assert person.trainings.get().title == "河西镇挂职副镇长" and not person.posts.exists()


def test_an_edit_never_shows_the_stored_sensitive_values(client, cadres):
    person = services.person_create(actor=cadres.uf1, data=person_data())
    client.force_login(cadres.uf1)
    page = client.get(reverse("nomination:person_edit", args=[person.pk])).content.decode()
    assert make_id_number() not in page and "13912345678" not in page and "马文华" in page
    client.post(reverse("nomination:person_edit", args=[person.pk]), form_data(id_number="", phone="",
                                                                             current_post="局长"))
    person.refresh_from_db()
    assert (person.current_post, person.phone, person.id_number) == ("局长", "13912345678", make_id_number())


def test_the_approval_form_fields_are_edited_on_the_form_and_shown_on_the_person_page(client, cadres):
    # given
    person = services.person_create(actor=cadres.uf1, data=person_data())
    client.force_login(cadres.uf1)
    # when
    client.post(reverse("nomination:person_edit", args=[person.pk]), form_data(
        id_number="", phone="", birth_place="宁夏同心", health="健康", inservice_education="中央党校研究生",
        inservice_degree="法学硕士", inservice_school_major="中央党校经济学专业", rewards="2019年获评县优秀教师\r\n无处分"))
    # then
    person.refresh_from_db()
    assert (person.birth_place, person.health, person.inservice_degree, person.rewards) == (
        "宁夏同心", "健康", "法学硕士", "2019年获评县优秀教师\n无处分")
    page = client.get(reverse("nomination:person", args=[person.pk])).content.decode()
    assert 'data-testid="health">健康<' in page and "中央党校研究生 · 法学硕士 · 中央党校经济学专业" in page
    assert "2019年获评县优秀教师<br>无处分" in page
    edit = client.get(reverse("nomination:person_edit", args=[person.pk])).content.decode()
    assert 'value="宁夏同心"' in edit and "2019年获评县优秀教师\n无处分</textarea>" in edit


# --- staffing, rosters, statistics -----------------------------------------------------------------------------------


def test_the_staffing_sheet_needs_both_departments_over_http(client, cadres):
    client.force_login(cadres.org1)
    client.post(reverse("nomination:staffing"), {"year": 2026, "team": "县教育局领导班子", "required": 2, "filled": 1})
    target = StaffingTarget.objects.get()
    client.post(reverse("nomination:staffing_confirm", args=[target.pk]))
    page = client.get(reverse("nomination:staffing"), {"year": 2026}).content.decode()
    assert "待确认" in page and "本部门确认" not in page
    client.force_login(cadres.uflead1)
    client.post(reverse("nomination:staffing_confirm", args=[target.pk]))
    target.refresh_from_db()
    assert target.is_confirmed is True
    client.force_login(cadres.party1)
    assert denied(client, reverse("nomination:staffing_confirm", args=[target.pk]), "post")


def test_a_leader_cannot_add_staffing_rows(client, cadres):
    client.force_login(cadres.uflead1)
    response = client.post(reverse("nomination:staffing"), {"year": 2026, "team": "x", "required": 1, "filled": 0})
    assert response.status_code == 403 and not StaffingTarget.objects.exists()


def test_a_change_of_term_over_http(client, cadres):
    client.force_login(cadres.uf1)
    url = reverse("nomination:roster_term_open")
    client.post(url, {"body": "county_npc", "number": 18, "name": "同心县第十八届人民代表大会", "starts_on": "2021-12-28"})
    client.post(url, {"body": "county_npc", "number": 19, "name": "同心县第十九届人民代表大会", "starts_on": "2026-12-28"})
    bad = client.post(url, {"body": "county_npc", "number": 19, "name": "重复", "starts_on": "2027-01-01"})
    assert "该名册已有第 19 届。" in bad.content.decode()
    page = client.get(reverse("nomination:rosters")).content.decode()
    assert "同心县第十九届人民代表大会" in page and "同心县第十八届人民代表大会" in page


def test_the_statistics_page_draws_charts_from_vendored_chart_js_and_exports(client, cadres):
    in_pool(cadres)
    client.force_login(cadres.uflead1)
    page = client.get(reverse("nomination:statistics"), {"as_of": "2026-06-30", "year": 2026}).content.decode()
    assert "/static/vendor/chartjs/chart.umd.js" in page and 'id="chart-data"' in page
    assert "cdn" not in page.lower()
    assert "在库党外后备干部（按学历）" in page
    export = client.get(reverse("nomination:statistics_export"), {"as_of": "2026-06-30", "year": 2026})
    assert export["Content-Disposition"].startswith("attachment")


# --- fixed query counts ----------------------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def _people(cadres, count, start=0, **extra):
    for i in range(start, start + count):
        recommended(cadres, name=f"人{i}", id_number=make_id_number(birth=datetime.date(1980, 1, 1) +
                                                                      datetime.timedelta(days=i)), **extra)


def test_the_person_list_costs_the_same_for_2_or_40_people(client, cadres):
    client.force_login(cadres.uf1)
    _people(cadres, 2)
    small = _queries(client, reverse("nomination:people"))
    _people(cadres, 38, start=2)
    assert _queries(client, reverse("nomination:people")) == small


def test_the_submissions_list_costs_the_same_for_2_or_30_people(client, cadres):
    client.force_login(cadres.party1)
    _people(cadres, 2, actor=cadres.party1)
    small = _queries(client, reverse("nomination:mine"))
    _people(cadres, 28, start=2, actor=cadres.party1)
    assert _queries(client, reverse("nomination:mine")) == small


def test_roster_and_staffing_pages_cost_the_same_whatever_their_size(client, cadres):
    term = services.roster_term_open(actor=cadres.uf1, body="county_cppcc", number=10, name="第十届",
                                     starts_on=datetime.date(2022, 1, 10))

    def entries(names):
        return [(row, {"name": n, "gender": "m", "ethnicity": "汉族", "birth_month": datetime.date(1970, 1, 1),
                       "affiliation": "minmeng", "sector": "民盟", "constituency": "", "work_post": "",
                       "is_standing": False, "is_vice_chair": False}) for row, n in enumerate(names, start=2)]

    client.force_login(cadres.uf1)
    services.roster_import(actor=cadres.uf1, term=term, rows=entries(["甲", "乙"]))
    services.staffing_target_save(actor=cadres.uf1, year=2026, team="班子0", required=1)
    counts = [_queries(client, reverse("nomination:roster_term", args=[term.pk])),
              _queries(client, reverse("nomination:rosters")),
              _queries(client, reverse("nomination:staffing") + "?year=2026")]
    services.roster_import(actor=cadres.uf1, term=term, rows=entries([f"人{i}" for i in range(40)]))
    for i in range(1, 15):
        target = services.staffing_target_save(actor=cadres.uf1, year=2026, team=f"班子{i}", required=1)
        services.staffing_target_confirm(actor=cadres.org1, target=target)
    assert [_queries(client, reverse("nomination:roster_term", args=[term.pk])),
            _queries(client, reverse("nomination:rosters")),
            _queries(client, reverse("nomination:staffing") + "?year=2026")] == counts


def test_pages_use_stacked_tables_for_narrow_screens(client, cadres):
    in_pool(cadres)
    client.force_login(cadres.uf1)
    page = client.get(reverse("nomination:people")).content.decode()
    assert 'class="list stack"' in page and 'data-label="身份证号"' in page
