"""Resident ID numbers (GB 11643-1999): validation, the derived birth date and gender, and the keyed hash.

The number itself is kept so that it can be encrypted at rest later; nothing else depends on reading it back:
birth date and gender live in their own fields and duplicates are found through an HMAC of the normalised number.
"""

import datetime
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# The province-level codes of GB/T 2260 (the first two digits).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


@dataclass(frozen=True)
class IdentityNumber:
    number: str
    birth_date: datetime.date
    gender: str  # "m" or "f", as Person.Gender


def normalise(raw: str) -> str:
    """Full-width digits and letters to ASCII, spaces dropped, a lower-case check letter raised."""
    return unicodedata.normalize("NFKC", str(raw or "")).replace(" ", "").strip().upper()


def check_character(first17: str) -> str:
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse(raw: str) -> IdentityNumber:
    """Validate an 18-digit ID number and derive birth date and gender; raise ValidationError in Chinese."""
    number = normalise(raw)
    if not number:
        raise ValidationError(_("请填写身份证号。"), code="required")
    if len(number) != 18:
        raise ValidationError(_("身份证号应为 18 位（现为 %(n)s 位）。"), code="length", params={"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("身份证号只能由数字组成，最后一位可以是 X。"), code="characters")
    if number[:2] not in PROVINCES:
        raise ValidationError(_("身份证号前两位不是有效的省级行政区划代码。"), code="region")
    try:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号第 7–14 位不是有效的出生日期。"), code="birth_date") from None
    if birth_date.year < 1900 or birth_date > timezone.localdate():
        raise ValidationError(_("身份证号第 7–14 位不是有效的出生日期。"), code="birth_date")
    if check_character(number[:17]) != number[17]:
        raise ValidationError(_("身份证号校验码不正确，请核对。"), code="checksum")
    gender = "m" if int(number[16]) % 2 else "f"
    return IdentityNumber(number=number, birth_date=birth_date, gender=gender)


def keyed_hash(number: str) -> str:
    """HMAC-SHA256 of the normalised number under ``settings.TONGXIN_HMAC_KEY``: equal numbers, equal hashes."""
    key = settings.TONGXIN_HMAC_KEY.encode()
    return hmac.new(key, normalise(number).encode(), hashlib.sha256).hexdigest()
