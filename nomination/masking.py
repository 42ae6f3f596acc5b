"""Sensitive fields of a person record: the ONE role × field table, and the masking every output goes through.

DOMAIN §7.2: 身份证号, 联系方式 and 家庭成员 are hidden from anyone outside the two departments, and every read is
logged. Lists, searches and Django admin always show the masked form; a person's page and an export show the
unmasked form only to a role this table allows, only when asked, and write an audit row each time (see
``nomination.services.person_sensitive_viewed``).
"""

from django.utils.translation import gettext_lazy as _

from . import roles

ID_NUMBER, PHONE, ADDRESS, FAMILY = "id_number", "phone", "address", "family"
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

HIDDEN = _("（已隐藏）")


def unmaskable(user) -> frozenset[str]:
    """The sensitive fields ``user`` may see unmasked: the union over the user's roles."""
    allowed = frozenset()
    for code in roles.role_codes(user):
        allowed |= TABLE.get(code, frozenset())
    return allowed


def mask(field: str, value: str) -> str:
    """The masked form of one value: enough to tell records apart, not enough to use."""
    value = str(value or "")
    if not value:
        return ""
    if field == ID_NUMBER:
        return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)
    if field == PHONE:
        return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)
    if field == ADDRESS:
        return value[:3] + "****"
    return str(HIDDEN)


def display(field: str, value: str, *, unmasked: bool) -> str:
    return str(value or "") if unmasked else mask(field, value)
