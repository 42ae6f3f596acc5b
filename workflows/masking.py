"""The masked forms of personal data, one shape per kind, shared by every app's role × field table.

Which role sees which field unmasked is each domain's own rule (``nomination.masking.TABLE``,
``proposals.access.can_see_contacts``); how a hidden value looks is the same everywhere, on pages, prints and
exports alike.
"""

from django.utils.translation import gettext_lazy as _

ID_NUMBER, PHONE, ADDRESS = "id_number", "phone", "address"
HIDDEN = _("（已隐藏）")


def mask(kind: str, value: str) -> str:
    """The masked form of one value: enough to tell records apart, not enough to use."""
    value = str(value or "")
    if not value:
        return ""
    if kind == ID_NUMBER:
        return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)
    if kind == PHONE:
        return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)
    if kind == ADDRESS:
        return value[:3] + "****"
    return str(HIDDEN)


def display(kind: str, value: str, *, unmasked: bool) -> str:
    return str(value or "") if unmasked else mask(kind, value)
