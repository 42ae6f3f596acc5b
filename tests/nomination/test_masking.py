"""Sensitive fields: one test per cell of the role × field table, and masking in lists, search, export and admin."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from nomination import masking, services
from nomination.filters import PersonFilter
from proposals import roles as proposal_roles
from tests.factories import UserFactory
from workflows.errors import ServiceError
from workflows.models import AuditEvent

from .conftest import make_id_number, recommended

pytestmark = pytest.mark.django_db

ID_NUMBER = make_id_number()
RAW = {"id_number": ID_NUMBER, "phone": "13912345678", "address": "同心县豫海镇民主路 12 号", "family": "李某某"}
MASKED = {"id_number": "6403**********" + ID_NUMBER[-4:], "phone": "139****5678", "address": "同心县****"}
ALL = {"id_number", "phone", "address", "family"}
# DOMAIN §7.2, written out by hand: only the two departments' cadre sections and leaders see these unmasked.
EXPECTED = {
    "uf_cadre": ALL, "uf_leader": ALL, "org_cadre": ALL, "org_leader": ALL,
    "party_org": set(), "discipline": set(), proposal_roles.STAFF: set(), proposal_roles.MEMBER: set(),
}
USER_OF_ROLE = {"uf_cadre": "uf1", "uf_leader": "uflead1", "org_cadre": "org1", "org_leader": "orglead1",
                "party_org": "party1", "discipline": "jiwei1", proposal_roles.STAFF: "cppcc_staff"}
CELLS = [(role, field) for role in EXPECTED for field in sorted(ALL)]


@pytest.fixture
def person(cadres):
    person = recommended(cadres, actor=cadres.party1)
    services.person_add_family_member(actor=cadres.uf1, person=person, relation="配偶", name="李某某")
    return person


@pytest.mark.parametrize("role, field", CELLS, ids=[f"{r}-{f}" for r, f in CELLS])
def test_each_cell_of_the_role_field_table(client, cadres, person, role, field):
    user = getattr(cadres, USER_OF_ROLE[role]) if role in USER_OF_ROLE else UserFactory(roles=[role])
    unmasked = field in EXPECTED[role]
    # the table
    assert (field in masking.unmaskable(user)) is unmasked
    # the person's page, asked to reveal (with a purpose)
    client.force_login(user)
    response = client.post(reverse("nomination:person_reveal", args=[person.pk]), {"purpose": "核对身份信息"})
    if response.status_code == 403:  # a role that may unmask nothing is refused the reveal: its page stays masked
        assert not EXPECTED[role]
        response = client.get(reverse("nomination:person", args=[person.pk]))
    if response.status_code == 404:  # the role cannot open the record at all: nothing shown, masked or not
        assert role in ("discipline", proposal_roles.STAFF, proposal_roles.MEMBER)
        return
    page = response.content.decode()
    assert (RAW[field] in page) is unmasked
    if not unmasked and field in MASKED:
        assert MASKED[field] in page


def test_unmasking_is_logged_with_its_purpose_and_masking_is_not(client, cadres, person):
    client.force_login(cadres.uf1)
    url = reverse("nomination:person", args=[person.pk])
    reveal = reverse("nomination:person_reveal", args=[person.pk])
    client.get(url)
    assert not AuditEvent.objects.filter(action="person.sensitive_viewed").exists()
    page = client.post(reveal, {"purpose": "核对身份证号以办理任职手续"}).content.decode()
    assert ID_NUMBER in page
    event = AuditEvent.objects.get(action="person.sensitive_viewed")
    assert event.actor == cadres.uf1 and event.subject_id == str(person.pk)
    assert event.changes == {"fields": ["address", "family", "id_number", "phone"]}
    assert event.comment == "核对身份证号以办理任职手续"
    client.force_login(cadres.party1)
    assert client.post(reveal, {"purpose": "想看看"}).status_code == 403
    assert AuditEvent.objects.filter(action="person.sensitive_viewed").count() == 1


def test_a_get_reveal_no_longer_unmasks(client, cadres, person):
    client.force_login(cadres.uf1)
    page = client.get(reverse("nomination:person", args=[person.pk]) + "?reveal=1").content.decode()
    assert ID_NUMBER not in page and 'data-testid="reveal-form"' in page
    assert not AuditEvent.objects.filter(action="person.sensitive_viewed").exists()


@pytest.mark.parametrize("purpose", ["", "   "])
def test_unmasking_without_a_purpose_is_refused_in_chinese(client, cadres, person, purpose):
    client.force_login(cadres.uf1)
    response = client.post(reverse("nomination:person_reveal", args=[person.pk]), {"purpose": purpose})
    page = response.content.decode()
    assert response.status_code == 200 and ID_NUMBER not in page
    assert "这个字段是必填项" in page or "请填写查阅目的" in page
    assert not AuditEvent.objects.filter(action="person.sensitive_viewed").exists()


def test_the_service_refuses_a_blank_purpose(cadres, person):
    with pytest.raises(ServiceError) as error:
        services.person_sensitive_viewed(actor=cadres.uf1, person=person, fields_shown={"phone"}, purpose="  ")
    assert error.value.code == "purpose_required"
    assert error.value.message == "请填写查阅目的；查看完整敏感信息须说明用途并记录日志。"


def test_lists_show_the_masked_form_even_to_the_departments(client, cadres, person):
    client.force_login(cadres.uf1)
    page = client.get(reverse("nomination:people")).content.decode()
    assert MASKED["id_number"] in page and ID_NUMBER not in page
    client.force_login(cadres.party1)
    page = client.get(reverse("nomination:mine")).content.decode()
    assert person.name in page and ID_NUMBER not in page and RAW["phone"] not in page


def test_search_by_id_number_goes_through_the_hash_and_only_for_roles_that_may_see_it(client, cadres, person):
    client.force_login(cadres.org1)
    url = reverse("nomination:people")
    response = client.post(url, {"id_number": ID_NUMBER.lower()})
    assert ID_NUMBER not in response["Location"] and "id_hash=" in response["Location"]
    found = client.get(response["Location"]).content.decode()
    missing = client.get(client.post(url, {"id_number": make_id_number(sequence=99)})["Location"]).content.decode()
    assert person.name in found and person.name not in missing
    assert "id_hash" in PersonFilter(user=cadres.org1).filters
    assert "id_hash" not in PersonFilter(user=cadres.party1).filters


def _sheet_values(response):
    book = load_workbook(io.BytesIO(response.content))
    return [[c for c in row] for row in book.worksheets[0].iter_rows(values_only=True)]


def test_export_is_masked_unless_asked_and_each_unmasked_export_is_on_the_timeline(client, cadres, person):
    client.force_login(cadres.uf1)
    masked = _sheet_values(client.get(reverse("nomination:person_export")))
    assert MASKED["id_number"] in masked[1] and ID_NUMBER not in masked[1]
    assert not AuditEvent.objects.filter(action="person.sensitive_exported").exists()
    full = _sheet_values(client.get(reverse("nomination:person_export"), {"sensitive": "1"}))
    assert ID_NUMBER in full[1] and RAW["phone"] in full[1]
    event = AuditEvent.objects.get(action="person.sensitive_exported")
    assert event.subject_id == str(person.pk) and event.actor == cadres.uf1
    assert AuditEvent.objects.filter(action="people.exported").count() == 2


def test_django_admin_shows_only_the_masked_form(client, cadres, person, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", email="root@example.org", password="x" * 12)
    client.force_login(admin)
    listing = client.get(reverse("admin:nomination_person_changelist")).content.decode()
    change = client.get(reverse("admin:nomination_person_change", args=[person.pk])).content.decode()
    for page in (listing, change):
        assert ID_NUMBER not in page and RAW["phone"] not in page
    assert MASKED["id_number"] in listing and MASKED["phone"] in change and "李某某" not in change
    # the admin search does not probe ID numbers
    assert client.get(reverse("admin:nomination_person_changelist"), {"q": ID_NUMBER}).context["cl"].result_count == 0


def test_mask_forms():
    assert masking.mask("id_number", "64032419850315002X") == "6403**********002X"
    assert masking.mask("phone", "13912345678") == "139****5678"
    assert masking.mask("phone", "12345") == "*****"
    assert masking.mask("address", "同心县豫海镇民主路") == "同心县****"
    assert masking.mask("family", "anything") == "（已隐藏）"
    assert masking.mask("phone", "") == ""
