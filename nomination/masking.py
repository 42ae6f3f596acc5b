"""Sensitive fields of a person record: the ONE role × field table, and the masking every output goes through.

DOMAIN §7.2: 身份证号, 联系方式 and 家庭成员 are hidden from anyone outside the two departments, and every read is
logged. Lists, searches and Django admin always show the masked form; a person's page and an export show the
unmasked form only to a role this table allows, only when asked (the person's page: a POST with its 查阅目的),
and write an audit row each time (see
``nomination.services.person_sensitive_viewed``).
"""

from django.utils.translation import gettext_lazy as _

from workflows import masking as shapes

from . import roles

ID_NUMBER, PHONE, ADDRESS, FAMILY = shapes.ID_NUMBER, shapes.PHONE, shapes.ADDRESS, "family"
FIELDS = {
    ID_NUMBER: _("身份证号"),
    PHONE: _("联系电话"),
    ADDRESS: _("家庭住址"),
    FAMILY: _("家庭成员"),
}
_ALL = frozenset(FIELDS)

# role -> the sensitive fields it may see unmasked. A role not listed sees none.
TABLE: dict[str, frozenset[str]] = {
    roles.UF_CADRE: _ALL,
    roles.UF_LEADER: _ALL,
    roles.ORG_CADRE: _ALL,
    roles.ORG_LEADER: _ALL,
    roles.PARTY_ORG: frozenset(),
    roles.DISCIPLINE: frozenset(),
}

HIDDEN = shapes.HIDDEN


def unmaskable(user) -> frozenset[str]:
    """The sensitive fields ``user`` may see unmasked: the union over the user's roles."""
    allowed = frozenset()
    for code in roles.role_codes(user):
        allowed |= TABLE.get(code, frozenset())
    return allowed


def mask(field: str, value: str) -> str:
    """The masked form of one value (the shapes of ``workflows.masking``; the family table is hidden whole)."""
    return shapes.mask(field, value)


def display(field: str, value: str, *, unmasked: bool) -> str:
    return shapes.display(field, value, unmasked=unmasked)
