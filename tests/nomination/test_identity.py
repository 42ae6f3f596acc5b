"""ID numbers: checksum, derived birth date and gender, Chinese errors, and the keyed hash behind duplicate checks."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from nomination import identity, services
from workflows.errors import ServiceError

from .conftest import make_id_number, person_data

# A published sample with a known check character (GB 11643-1999 worked example).
SAMPLE = "11010519491231002X"


def test_a_valid_number_gives_birth_date_and_gender():
    parsed = identity.parse(SAMPLE)
    assert parsed.number == SAMPLE
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.gender == "f"  # the 17th digit, 2, is even
    assert identity.parse(make_id_number(sequence=21)).gender == "m"


def test_spaces_full_width_digits_and_a_small_x_are_normalised():
    messy = " １１０１０５ 19491231002x "
    assert identity.parse(messy).number == SAMPLE


@pytest.mark.parametrize("raw, message", [
    ("", "请填写身份证号。"),
    ("11010519491231002", "身份证号应为 18 位（现为 17 位）。"),
    ("1101051949123100AX", "身份证号只能由数字组成，最后一位可以是 X。"),
    ("99010519491231002X", "身份证号前两位不是有效的省级行政区划代码。"),
    ("110105194902300021", "身份证号第 7–14 位不是有效的出生日期。"),
    ("110105194912310021", "身份证号校验码不正确，请核对。"),
])
def test_invalid_numbers_are_refused_with_a_chinese_reason(raw, message):
    with pytest.raises(ValidationError) as error:
        identity.parse(raw)
    assert error.value.messages == [message]


def test_a_birth_date_in_the_future_is_refused():
    with pytest.raises(ValidationError, match="出生日期"):
        identity.parse(make_id_number(birth=datetime.date.today() + datetime.timedelta(days=400)))


def test_the_keyed_hash_matches_equal_numbers_in_any_spelling_and_depends_on_the_key(settings):
    settings.TONGXIN_HMAC_KEY = "first-key"
    digest = identity.keyed_hash(SAMPLE)
    assert identity.keyed_hash("110105 19491231002x") == digest
    assert len(digest) == 64 and SAMPLE not in digest
    settings.TONGXIN_HMAC_KEY = "second-key"
    assert identity.keyed_hash(SAMPLE) != digest



@pytest.mark.django_db
def test_after_a_key_change_rehashing_finds_duplicates_again(cadres, settings):
    services.person_create(actor=cadres.uf1, data=person_data())
    settings.TONGXIN_HMAC_KEY = "a-new-key"
    call_command("rehash_id_numbers", stdout=io.StringIO())
    with pytest.raises(ServiceError) as error:
        services.person_create(actor=cadres.uf1, data=person_data())
    assert error.value.code == "duplicate_id_number"
