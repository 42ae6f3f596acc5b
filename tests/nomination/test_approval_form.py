"""The 干部任免审批表 (issue #13 item 2): the national fields, the photo, masking per role, outsiders refused."""

import re

import pytest

from nomination import masking, roles, services
from nomination.errors import NominationPermissionError
from nomination.lrmx import FileError
from nomination.models import PersonPhoto
from nomination.services import exchange
from workflows.models import AuditEvent

from . import cases
from .files import JPEG, PDF, PNG, upload

NATIONAL_FIELDS = (
    "姓名", "性别", "出生年月", "照片", "民族", "籍贯", "出生地", "入党时间", "参加工作时间", "健康状况", "专业技术职务",
    "熟悉专业有何专长", "学历学位", "全日制教育", "在职教育", "毕业院校系及专业", "现任职务", "拟任职务", "拟免职务", "简历",
    "奖惩情况", "年度考核结果", "任免理由", "家庭主要成员及重要社会关系", "称谓", "年龄", "政治面貌", "工作单位及职务",
    "呈报单位", "审批机关意见", "行政机关任免意见", "填表人",
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(case):
    return f"/nomination/cases/{case.pk}/print/approval-form/"


def test_the_form_has_every_national_field_on_two_pages_and_the_photo(client, cadres):
    # given a decided case whose nominee has a photo
    w = cadres
    case = cases.decided(w)
    photo = exchange.person_photo_set(actor=w.org1, person=case.nominee, upload=upload("证件照.jpg", JPEG))
    client.force_login(w.org1)

    # when
    page = client.get(url(case)).content.decode()

    # then
    missing = [label for label in NATIONAL_FIELDS if label not in page]
    assert missing == []
    assert 'data-testid="approval-page-1"' in page and 'data-testid="approval-page-2"' in page
    photo_url = f"/nomination/people/{case.nominee_id}/photo/{photo.token}/"
    assert photo_url in page
    served = client.get(photo_url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == JPEG
    assert served["Content-Type"] == "image/jpeg"


def test_the_family_table_follows_the_viewers_masking_row(client, cadres, monkeypatch):
    # given a nominee with a family member, and a masking table that hides the family from 组织部领导
    w = cadres
    case = cases.decided(w)
    services.person_add_family_member(actor=w.org1, person=case.nominee, relation="配偶", name="杨秀梅",
                                      birth_month="1986-04", political_status="群众", work_and_post="县医院护士")
    monkeypatch.setitem(masking.TABLE, roles.ORG_LEADER, frozenset())
    viewed = AuditEvent.objects.filter(action="person.sensitive_viewed", subject_id=str(case.nominee_id))

    # when 组织部领导 prints
    client.force_login(w.orglead1)
    hidden = client.get(url(case)).content.decode()

    # then the family is hidden and nothing unmasked was logged
    assert "杨秀梅" not in hidden and 'data-testid="family-hidden"' in hidden
    assert viewed.count() == 0

    # when 组织部干部科 prints, the family shows and the view is logged
    client.force_login(w.org1)
    shown = client.get(url(case)).content.decode()
    assert "杨秀梅" in shown and "县医院护士" in shown
    assert viewed.filter(actor=w.org1).count() == 1


@pytest.mark.parametrize("username", ["party1", "jiwei1", "outsider", "cppcc_staff"])
def test_outside_roles_get_neither_the_form_nor_its_files(client, cadres, username):
    # given a case with a photo on its nominee
    w = cadres
    case = cases.decided(w)
    photo = exchange.person_photo_set(actor=w.org1, person=case.nominee, upload=upload("a.png", PNG))
    client.force_login(getattr(w, username))
    urls = [url(case), f"/nomination/people/{case.nominee_id}/photo/{photo.token}/",
            f"/nomination/people/{case.nominee_id}/lrmx/", f"/nomination/cases/{case.pk}/lrmx/"]

    for address in urls:
        before = AuditEvent.objects.filter(action="access_denied").count()
        # when
        response = client.get(address)
        # then
        assert response.status_code == 404, address
        assert AuditEvent.objects.filter(action="access_denied").count() == before + 1, address


def test_a_photo_is_checked_by_content_and_size(cadres, monkeypatch):
    w = cadres
    case = cases.drafted(w)
    person = case.candidates.first()

    with pytest.raises(FileError) as renamed:
        exchange.person_photo_set(actor=w.org1, person=person, upload=upload("photo.jpg", PDF))
    assert renamed.value.code == "photo_type"

    monkeypatch.setattr(exchange, "PHOTO_MAX_BYTES", 100)
    with pytest.raises(FileError) as large:
        exchange.person_photo_set(actor=w.org1, person=person, upload=upload("photo.jpg", JPEG))
    assert large.value.code == "photo_size"
    assert not PersonPhoto.objects.filter(person=person).exists()


def test_a_new_photo_replaces_the_old_one_and_is_audited(cadres):
    w = cadres
    person = cases.drafted(w).candidates.first()

    first = exchange.person_photo_set(actor=w.org1, person=person, upload=upload("a.jpg", JPEG))
    second = exchange.person_photo_set(actor=w.uf1, person=person, upload=upload("b.png", PNG))

    assert list(PersonPhoto.objects.filter(person=person)) == [second]
    assert second.token != first.token and second.content_type == "image/png"
    assert AuditEvent.objects.filter(action="person.photo_set", subject_id=str(person.pk)).count() == 2


def test_a_recommending_organisation_cannot_set_a_photo(cadres):
    w = cadres
    person = cases.drafted(w).candidates.first()

    with pytest.raises(NominationPermissionError):
        exchange.person_photo_set(actor=w.party1, person=person, upload=upload("a.jpg", JPEG))


def cell(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">(.*?)</td>', page, re.S)
    assert match, testid
    return match.group(1)


def test_birth_place_health_in_service_education_and_rewards_print_in_their_cells(client, cadres):
    # given a nominee whose record carries the fields the form used to leave blank
    w = cadres
    case = cases.decided(w)
    person = case.nominee
    current = {name: getattr(person, name) for name in services.PROFILE_FIELDS}
    data = services.PersonData(**{
        **current, "id_number": "", "keep_contacts": True, "phone": "", "address": "",
        "birth_place": "宁夏同心", "health": "健康", "inservice_education": "中央党校研究生",
        "inservice_degree": "法学硕士", "inservice_school_major": "中央党校经济学专业",
        "rewards": "2015年获评县优秀教师\r\n2019年获自治区教学成果二等奖",
    })
    services.person_update(actor=w.org1, person=person, data=data)
    client.force_login(w.org1)

    # when
    page = client.get(url(case)).content.decode()

    # then
    assert cell(page, "f-birth-place") == "宁夏同心"
    assert cell(page, "f-health") == "健康"
    assert cell(page, "f-inservice") == "中央党校研究生<br>法学硕士"
    assert cell(page, "f-inservice-school") == "中央党校经济学专业"
    assert cell(page, "f-rewards") == "2015年获评县优秀教师<br>2019年获自治区教学成果二等奖"
