"""The .lrmx exchange file (任免审批表 3.0, issue #13 item 2): export, the field-by-field preview, confirm, and the
files an import refuses (DTD or entities, oversize, another person's file)."""

import datetime
import re

import pytest

from nomination import lrmx, services
from nomination.lrmx import FileError
from nomination.models import Person
from nomination.services import exchange
from workflows.models import AuditEvent

from . import cases
from .conftest import in_pool, make_id_number
from .files import JPEG, upload


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def person(cadres):
    return in_pool(cadres, professional_title="中学高级教师", speciality="教育管理", school_major="宁夏大学数学系",
                   native_place="宁夏同心", work_started_on=datetime.date(2007, 9, 1), degree="bachelor",
                   birth_place="宁夏同心县豫海镇", health="健康", inservice_education="中央党校研究生",
                   inservice_degree="法学硕士", inservice_school_major="中央党校经济学专业",
                   rewards="2015年获评县优秀教师\n2019年获自治区教学成果二等奖")


def export(client, person) -> bytes:
    response = client.get(f"/nomination/people/{person.pk}/lrmx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return response.content


def cell(content: bytes, element: str, value: str) -> bytes:
    """The file with one cell's text replaced, as another program would write it."""
    text = content.decode()
    changed, count = re.subn(rf"<{element}>[^<]*</{element}>", f"<{element}>{value}</{element}>", text)
    assert count == 1, element
    return changed.encode()


def preview(client, person, content: bytes, name="表.lrmx"):
    return client.post(f"/nomination/people/{person.pk}/lrmx/import/",
                       {"file": upload(name, content, "application/xml")})


def test_the_export_carries_the_national_elements_and_is_audited(client, cadres, person):
    client.force_login(cadres.org1)

    content = export(client, person)

    text = content.decode()
    for element in ("<XingMing>", "<XingBie>男</XingBie>", "<ChuShengNianYue>198503</ChuShengNianYue>",
                    "<MinZu>回族</MinZu>", "<CanJiaGongZuoShiJian>200709</CanJiaGongZuoShiJian>",
                    f"<ShenFenZheng>{person.id_number}</ShenFenZheng>", "<JiaTingChengYuan", "<ZhaoPian",
                    "<QuanRiZhiJiaoYu_XueLi>本科</QuanRiZhiJiaoYu_XueLi>"):
        assert element in text, element
    event = AuditEvent.objects.get(action="person.lrmx_exported", subject_id=str(person.pk))
    assert event.changes["fields"] == ["family", "id_number"]


def test_a_round_trip_shows_no_differences(client, cadres, person):
    # given the file of a person with a photo
    exchange.person_photo_set(actor=cadres.org1, person=person, upload=upload("a.jpg", JPEG))
    client.force_login(cadres.org1)
    content = export(client, person)
    assert ("<ZhaoPian>" + __import__("base64").b64encode(JPEG).decode()) in content.decode()

    # when it is imported back
    plan = exchange.lrmx_import_plan(person=person, content=content)
    page = preview(client, person, content).content.decode()

    # then
    assert plan.rows[0].action == "unchanged" and plan.rows[0].changes == []
    assert 'data-testid="lrmx-unchanged"' in page and "无变化" in page


def test_the_form_fields_of_the_record_are_written_and_read_back(client, cadres, person):
    # given
    client.force_login(cadres.org1)

    # when
    content = export(client, person)
    sheet = lrmx.parse(content)

    # then each field is in its element, and reading the file gives the record's values
    assert {element: sheet.cells[element] for element in (
        "ChuShengDi", "JianKangZhuangKuang", "ZaiZhiJiaoYu_XueLi", "ZaiZhiJiaoYu_XueWei",
        "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "JiangChengQingKuang")} == {
        "ChuShengDi": "宁夏同心县豫海镇", "JianKangZhuangKuang": "健康", "ZaiZhiJiaoYu_XueLi": "中央党校研究生",
        "ZaiZhiJiaoYu_XueWei": "法学硕士", "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "中央党校经济学专业",
        "JiangChengQingKuang": "2015年获评县优秀教师\n2019年获自治区教学成果二等奖"}
    values, problems = lrmx.values_from(sheet, person)
    assert problems == []
    assert {name: values[name] for name in ("birth_place", "health", "inservice_education", "inservice_degree",
                                            "inservice_school_major", "rewards")} == {
        name: getattr(person, name) for name in ("birth_place", "health", "inservice_education",
                                                 "inservice_degree", "inservice_school_major", "rewards")}


def test_rewards_typed_in_a_browser_round_trip_unchanged(client, cadres, person):
    # given 奖惩情况 saved from a textarea, which sends CRLF line breaks
    client.force_login(cadres.org1)
    current = {name: getattr(person, name) for name in services.PROFILE_FIELDS}
    services.person_update(actor=cadres.org1, person=person, data=services.PersonData(**{
        **current, "id_number": "", "keep_contacts": True, "phone": "", "address": "",
        "rewards": "2015年获评县优秀教师\r\n2020年获评市劳动模范"}))
    person.refresh_from_db()

    # when the file is imported back
    plan = exchange.lrmx_import_plan(person=person, content=export(client, person))

    # then
    assert plan.rows[0].changes == []


def test_a_changed_health_shows_in_the_preview_and_changes_on_confirm(client, cadres, person):
    # given the exported file with 健康状况 changed, as another program would write it
    client.force_login(cadres.org1)
    content = cell(export(client, person), "JianKangZhuangKuang", "一般")

    # when previewed
    plan = exchange.lrmx_import_plan(person=person, content=content)
    page = preview(client, person, content).content.decode()

    # then only 健康状况 shows, old → new
    assert plan.rows[0].changes == [["健康状况", "健康", "一般"]]
    assert "一般" in page and 'data-testid="lrmx-confirm"' in page
    assert Person.objects.get(pk=person.pk).health == "健康"

    # when confirmed, the record changes and the other form fields stay
    exchange.person_lrmx_import(actor=cadres.org1, person=person, content=content, digest=plan.digest)
    stored = Person.objects.get(pk=person.pk)
    assert (stored.health, stored.birth_place, stored.inservice_degree) == ("一般", "宁夏同心县豫海镇", "法学硕士")


def test_a_modified_file_shows_exactly_the_modified_fields_and_changes_them_only_on_confirm(client, cadres, person):
    # given the exported file with two cells changed
    client.force_login(cadres.org1)
    content = cell(cell(export(client, person), "ZhuanYeJiShuZhiWu", "中学正高级教师"), "CanJiaGongZuoShiJian",
                   "200608")

    # when previewed
    plan = exchange.lrmx_import_plan(person=person, content=content)
    page = preview(client, person, content).content.decode()

    # then exactly those fields show, old → new, and nothing is written yet
    assert plan.rows[0].changes == [["参加工作时间", "2007.09", "2006.08"], ["专业技术职务", "中学高级教师", "中学正高级教师"]]
    assert "中学正高级教师" in page and 'data-testid="lrmx-confirm"' in page
    assert Person.objects.get(pk=person.pk).professional_title == "中学高级教师"

    # when confirmed
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    response = client.post(f"/nomination/people/{person.pk}/lrmx/import/", {"token": token})

    # then the person changed, through the people service, with the changed fields on the timeline
    assert response.status_code == 302
    stored = Person.objects.get(pk=person.pk)
    assert stored.professional_title == "中学正高级教师" and stored.work_started_on == datetime.date(2006, 8, 1)
    assert stored.speciality == "教育管理"
    imported = AuditEvent.objects.get(action="person.lrmx_imported", subject_id=str(person.pk))
    assert imported.changes["fields"] == plan.rows[0].changes and imported.changes["file"] == "表.lrmx"
    assert AuditEvent.objects.filter(action="person.edited", subject_id=str(person.pk)).exists()


def test_a_confirm_after_the_record_changed_is_refused_with_a_fresh_preview(cadres, person):
    content = cell(lrmx.build(exchange.lrmx_sheet(viewer=cadres.org1, person=person)[0]), "MinZu", "汉族")
    plan = exchange.lrmx_import_plan(person=person, content=content)
    Person.objects.filter(pk=person.pk).update(professional_title="副高")

    with pytest.raises(FileError) as stale:
        exchange.person_lrmx_import(actor=cadres.org1, person=person, content=content, digest=plan.digest)

    assert stale.value.code == "lrmx_stale"
    assert Person.objects.get(pk=person.pk).ethnicity == "回族"


@pytest.mark.parametrize(("prologue", "code"), [
    ('<!DOCTYPE Person [<!ENTITY a "aaaaaaaaaa">]>', "lrmx_unsafe"),
    ('<!DOCTYPE Person SYSTEM "file:///etc/passwd">', "lrmx_unsafe"),
    # an entity declared outside any DTD is not XML at all
    ('<!ENTITY x SYSTEM "http://127.0.0.1/">', "lrmx_invalid"),
])
def test_a_file_with_a_dtd_or_entities_is_refused_before_parsing(cadres, person, prologue, code):
    content = ('<?xml version="1.0" encoding="UTF-8"?>' + prologue + "<Person><XingMing>&a;</XingMing></Person>")

    with pytest.raises(FileError) as refused:
        exchange.lrmx_import_plan(person=person, content=content.encode())

    assert refused.value.code == code


def test_an_oversized_or_broken_file_is_refused(client, cadres, person):
    with pytest.raises(FileError) as large:
        lrmx.parse(b"<Person>" + b" " * lrmx.MAX_BYTES + b"</Person>")
    assert large.value.code == "lrmx_too_big"

    with pytest.raises(FileError) as broken:
        lrmx.parse(b"<Person><XingMing>")
    assert broken.value.code == "lrmx_invalid"

    client.force_login(cadres.org1)
    page = preview(client, person, b"<Other/>").content.decode()
    assert "不是有效的任免审批表文件" in page


def test_another_persons_file_is_refused(client, cadres, person):
    other = in_pool(cadres, name="李秀兰", party="non_party", id_number=make_id_number(datetime.date(1986, 5, 2), 40))
    client.force_login(cadres.org1)
    content = export(client, other)

    with pytest.raises(FileError) as wrong:
        exchange.lrmx_import_plan(person=person, content=content)
    assert wrong.value.code == "lrmx_wrong_person"
    page = preview(client, person, content).content.decode()
    assert "文件中的身份证号与本人不符" in page


def test_the_case_file_carries_the_post_and_the_reason(client, cadres):
    case = cases.candidate_fixed(cadres)
    client.force_login(cadres.uf1)

    text = client.get(f"/nomination/cases/{case.pk}/lrmx/").content.decode()

    assert f"<NiRenZhiWu>{case.post_unit}{case.post_title}</NiRenZhiWu>" in text
    assert "<RenMianLiYou>" + case.motion_text + "</RenMianLiYou>" in text


def test_only_a_pool_manager_may_import(client, cadres, person):
    client.force_login(cadres.orglead1)
    response = client.get(f"/nomination/people/{person.pk}/lrmx/import/")
    assert response.status_code == 403
