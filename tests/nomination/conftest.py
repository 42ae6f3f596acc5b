"""Personas of the cadre side (one per role, with their units) and builders of valid person records."""

import datetime
from types import SimpleNamespace

import pytest

from nomination import identity, roles, services
from proposals import roles as proposal_roles
from tests.factories import UnitFactory, UnitMembershipFactory, UserFactory
from workflows.models import Unit, UnitMembership


def make_id_number(birth=datetime.date(1985, 3, 15), sequence=21, region="640324") -> str:
    """A valid 18-digit ID number; an odd ``sequence`` makes a man, an even one a woman."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + identity.check_character(first17)


def person_data(**overrides) -> services.PersonData:
    values = {
        "name": "马文华", "id_number": make_id_number(), "ethnicity": "回族", "party": "minmeng",
        "education": "bachelor", "work_unit": "县教育局", "current_post": "副局长", "post_level": "deputy_section",
        "is_leadership_post": True, "phone": "13912345678", "address": "同心县豫海镇民主路 12 号",
    }
    values.update(overrides)
    return services.PersonData(**values)


@pytest.fixture
def cadres(db):
    org_dept = UnitFactory(name="县委组织部", kind=Unit.Kind.ORG_DEPT)
    uf_dept = UnitFactory(name="县委统战部", kind=Unit.Kind.UF_DEPT)
    party_unit = UnitFactory(name="民盟同心县委员会", kind=Unit.Kind.PARTY)
    other_party = UnitFactory(name="民建同心县委员会", kind=Unit.Kind.PARTY)
    discipline = UnitFactory(name="县纪委监委", kind=Unit.Kind.DISCIPLINE)

    def member(username, name, role, unit, unit_role=UnitMembership.Role.HANDLER):
        user = UserFactory(username=username, first_name=name, roles=[role])
        UnitMembershipFactory(unit=unit, user=user, role=unit_role)
        return user

    w = SimpleNamespace(org_dept=org_dept, uf_dept=uf_dept, party_unit=party_unit, other_party=other_party,
                        discipline=discipline)
    w.org1 = member("org1", "何建平", roles.ORG_CADRE, org_dept)
    w.orglead1 = member("orglead1", "高志远", roles.ORG_LEADER, org_dept, UnitMembership.Role.LEADER)
    w.uf1 = member("uf1", "马丽华", roles.UF_CADRE, uf_dept)
    w.uflead1 = member("uflead1", "丁学文", roles.UF_LEADER, uf_dept, UnitMembership.Role.LEADER)
    w.party1 = member("party1", "金淑芬", roles.PARTY_ORG, party_unit)
    w.party2 = member("party2", "罗春燕", roles.PARTY_ORG, other_party)
    w.jiwei1 = member("jiwei1", "白振东", roles.DISCIPLINE, discipline)
    w.cppcc_staff = UserFactory(username="staff1", first_name="陈晓静", roles=[proposal_roles.STAFF])
    w.outsider = UserFactory(username="outsider", first_name="无角色")
    return w


def recommended(w, *, actor=None, unit=None, **overrides):
    """A person put forward for the pool (by the UFWD for the party organisation unless told otherwise)."""
    actor = actor or w.uf1
    if unit is None and actor != w.party1:
        unit = w.party_unit
    return services.person_recommend(actor=actor, data=person_data(**overrides), reason="政治素质好，业务能力强。",
                                     recommending_unit=unit)


def awaiting_confirmation(w, **overrides):
    person = recommended(w, **overrides)
    services.pool_start_assessment(actor=w.org1, person=person)
    return services.pool_assess(actor=w.uf1, person=person, suitable=True, comment="综合评价良好。")


def in_pool(w, **overrides):
    person = awaiting_confirmation(w, **overrides)
    services.pool_confirm(actor=w.orglead1, person=person)
    return services.pool_confirm(actor=w.uflead1, person=person)
