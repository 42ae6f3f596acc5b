"""Members' phones and addresses and the contact phones: ciphertext at rest, clear through the ORM, and masked in
the printed proposal exactly where the case page hides them."""

import pytest
from django.db import connection
from django.urls import reverse

from proposals.models import Member
from tests.personas import assigned
from workflows import fields, masking

pytestmark = pytest.mark.django_db

PHONE, ADDRESS = "13987654321", "同心县豫海镇团结路 8 号"


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s FROM %s WHERE id = %%s" % (column, table), [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def proposal(world):
    Member.objects.filter(user=world.member1).update(phone=PHONE, address=ADDRESS)
    return assigned(world, mode="lead")


def test_members_phone_and_address_are_ciphertext_in_the_database_and_clear_through_the_orm(world, proposal):
    member = Member.objects.get(user=world.member1)

    for column, clear in (("phone", PHONE), ("address", ADDRESS)):
        stored = raw("proposals_member", column, member.pk)
        assert fields.looks_like_token(stored) and clear not in stored
    assert (member.phone, member.address) == (PHONE, ADDRESS)


def test_a_proposals_contact_phone_is_ciphertext_in_the_database(world, proposal):
    proposal.contact_phone = "0953-1234567"
    proposal.save(update_fields=["contact_phone"])

    assert fields.looks_like_token(raw("proposals_proposal", "contact_phone", proposal.pk))
    proposal.refresh_from_db()
    assert proposal.contact_phone == "0953-1234567"


# Who opens the printed proposal, and whether the case page shows that role the proposer's contact details.
VIEWERS = {"member1": True, "staff": True, "office": True, "unit1": False, "unitlead1": False, "unit2": False}


@pytest.mark.parametrize("who, unmasked", VIEWERS.items(), ids=list(VIEWERS))
def test_the_print_masks_the_members_phone_and_address_for_each_role_the_case_page_hides_them_from(
        client, world, proposal, who, unmasked):
    client.force_login(getattr(world, who))

    detail = client.get(reverse("proposals:detail", args=[proposal.pk]))
    printed = client.get(reverse("proposals:print", args=[proposal.pk]))

    assert detail.status_code == printed.status_code == 200
    assert detail.context["show_contacts"] is unmasked
    page = printed.content.decode()
    assert (PHONE in page) is unmasked and (ADDRESS in page) is unmasked
    if not unmasked:
        assert masking.mask(masking.PHONE, PHONE) in page and masking.mask(masking.ADDRESS, ADDRESS) in page


def test_a_unit_outside_the_proposal_cannot_print_it_at_all(client, world, proposal):
    client.force_login(world.unit3)

    assert client.get(reverse("proposals:print", args=[proposal.pk])).status_code == 404
