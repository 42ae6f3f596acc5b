"""Personal data encrypted at rest: ciphertext in the database, clear text through the ORM and to allowed roles,
the keyed hash still finding duplicates, key rotation, a wrong key failing loudly, and production's refusal."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from nomination import services
from nomination.errors import NominationError
from nomination.models import FamilyMember, Person
from workflows import fields
from workflows.models import AuditEvent

from .conftest import make_id_number, person_data, recommended

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER = make_id_number()
PHONE, ADDRESS = "13912345678", "同心县豫海镇民主路 12 号"
PERSON_COLUMNS = ("id_number", "phone", "address")
FAMILY_COLUMNS = ("name", "birth_month", "political_status", "work_and_post")


def raw(table: str, columns, pk: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s FROM %s WHERE id = %%s" % (", ".join(columns), table), [pk])
        return dict(zip(columns, cursor.fetchone(), strict=True))


def new_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def person(cadres):
    person = recommended(cadres, actor=cadres.party1)
    services.person_add_family_member(actor=cadres.uf1, person=person, relation="配偶", name="李某某",
                                      birth_month="1986-02", political_status="群众", work_and_post="县医院护士")
    return person


def test_the_database_holds_only_ciphertext_of_the_personal_fields(person):
    stored = raw("nomination_person", PERSON_COLUMNS, person.pk)
    family = raw("nomination_familymember", FAMILY_COLUMNS, person.family.get().pk)

    for value in (*stored.values(), *family.values()):
        assert fields.looks_like_token(value)
    dump = repr(stored) + repr(family)
    for clear in (ID_NUMBER, PHONE, ADDRESS, "李某某", "1986-02", "县医院护士"):
        assert clear not in dump
    # the keyed hash beside the number is not the number either
    assert raw("nomination_person", ("id_number_hmac",), person.pk)["id_number_hmac"] != ID_NUMBER


def test_the_orm_reads_clear_text(person):
    again = Person.objects.get(pk=person.pk)

    assert (again.id_number, again.phone, again.address) == (ID_NUMBER, PHONE, ADDRESS)
    member = FamilyMember.objects.get(person=person)
    assert (member.name, member.birth_month, member.work_and_post) == ("李某某", "1986-02", "县医院护士")


def test_a_blank_optional_field_stays_blank(cadres):
    person = recommended(cadres, actor=cadres.party1, phone="", address="")

    assert raw("nomination_person", ("phone", "address"), person.pk) == {"phone": "", "address": ""}
    assert Person.objects.get(pk=person.pk).phone == ""


def test_the_person_page_shows_clear_text_to_an_allowed_role_and_the_mask_to_others(client, cadres, person):
    client.force_login(cadres.uf1)
    revealed = client.post(reverse("nomination:person_reveal", args=[person.pk]),
                           {"purpose": "核对身份信息"}).content.decode()
    client.force_login(cadres.party1)
    masked = client.get(reverse("nomination:person", args=[person.pk]) + "?reveal=1").content.decode()

    assert ID_NUMBER in revealed and PHONE in revealed and ADDRESS in revealed and "李某某" in revealed
    assert ID_NUMBER not in masked and PHONE not in masked and "139****5678" in masked


def test_the_duplicate_check_still_finds_the_same_number_through_the_keyed_hash(cadres, person):
    with pytest.raises(NominationError) as error:
        services.person_create(actor=cadres.uf1, data=person_data(name="另一人", id_number=ID_NUMBER.lower()))

    assert error.value.code == "duplicate_id_number"
    assert Person.objects.count() == 1


def test_a_database_lookup_on_an_encrypted_column_fails_loudly_instead_of_finding_nothing(person):
    with pytest.raises(FieldError, match="encrypted"):
        Person.objects.filter(phone=PHONE).exists()
    with pytest.raises(FieldError, match="encrypted"):
        Person.objects.filter(id_number__icontains="6403").exists()
    assert Person.objects.filter(phone__isnull=False).count() == 1


def test_old_key_data_stays_readable_until_rotated_and_rotation_re_encrypts_every_row(settings, cadres, person,
                                                                                       capsys):
    # given: a second person and a family row under the old key, then a new key put first
    other = recommended(cadres, actor=cadres.party1, name="马二", id_number=make_id_number(sequence=33))
    old_key = settings.TONGXIN_FIELD_KEYS[0]
    settings.TONGXIN_FIELD_KEYS = [new_key(), old_key]
    new_only = Fernet(settings.TONGXIN_FIELD_KEYS[0])
    # old rows still read; a new write is under the new key
    assert Person.objects.get(pk=person.pk).phone == PHONE
    services.person_add_family_member(actor=cadres.uf1, person=other, relation="父亲", name="马老")
    written = raw("nomination_familymember", ("name",), FamilyMember.objects.get(person=other).pk)["name"]
    assert new_only.decrypt(written.encode()).decode() == "马老"

    # when
    call_command("rotate_field_keys", batch_size=1)

    # then: every stored value opens under the new key alone, and the old key can go
    output = capsys.readouterr().out
    assert "nomination_person.id_number: 2 rows read, 2 re-encrypted" in output
    event = AuditEvent.objects.get(action="field_keys.rotated")
    assert event.changes["re_encrypted"]["nomination.Person.phone"] == 2 and old_key not in str(event.changes)
    for pk in (person.pk, other.pk):
        for value in raw("nomination_person", PERSON_COLUMNS, pk).values():
            new_only.decrypt(value.encode())
    for pk in FamilyMember.objects.values_list("pk", flat=True):
        for value in raw("nomination_familymember", FAMILY_COLUMNS, pk).values():
            if value:
                new_only.decrypt(value.encode())
    settings.TONGXIN_FIELD_KEYS = settings.TONGXIN_FIELD_KEYS[:1]
    assert Person.objects.get(pk=person.pk).id_number == ID_NUMBER

    # and a second run finds nothing left to do (idempotent, so a stopped run can simply be started again)
    call_command("rotate_field_keys")
    assert "Re-encrypted 0 values" in capsys.readouterr().out


def test_a_wrong_key_fails_loudly_instead_of_showing_ciphertext(settings, person):
    settings.TONGXIN_FIELD_KEYS = [new_key()]

    with pytest.raises(fields.UndecryptableValue, match="TONGXIN_FIELD_KEYS"):
        Person.objects.get(pk=person.pk)


def test_rotation_refuses_a_value_no_key_opens(settings, person, capsys):
    settings.TONGXIN_FIELD_KEYS = [new_key()]

    with pytest.raises(CommandError, match="nomination.FamilyMember.name: A stored value cannot be decrypted"):
        call_command("rotate_field_keys")


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_encrypts_existing_clear_rows_and_reverses(cadres):
    # given: a person written while the columns were plain
    person = recommended(cadres, actor=cadres.party1)
    executor = MigrationExecutor(connection)
    executor.migrate([("nomination", "0003_one_state_due_items")])
    assert raw("nomination_person", PERSON_COLUMNS, person.pk) == {
        "id_number": ID_NUMBER, "phone": PHONE, "address": ADDRESS}

    # when
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    # then
    stored = raw("nomination_person", PERSON_COLUMNS, person.pk)
    assert all(fields.looks_like_token(value) for value in stored.values())
    assert Person.objects.get(pk=person.pk).id_number == ID_NUMBER


def _settings_process(env: dict) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.TONGXIN_FIELD_KEYS)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def production_env(tmp_path):
    return {
        "PATH": os.environ["PATH"], "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "config.settings",
        "TONGXIN_VAR_DIR": str(tmp_path / "var"), "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.org", "TONGXIN_HMAC_KEY": secrets.token_urlsafe(32),
        "TONGXIN_FIELD_KEYS": f"{new_key()},{new_key()}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "TONGXIN_SMS_BACKEND": "notifications.sms.LoggingBackend",
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
    }


def test_production_starts_with_its_field_keys(production_env):
    result = _settings_process(production_env)

    assert result.returncode == 0, result.stderr
    assert production_env["TONGXIN_FIELD_KEYS"].split(",")[1] in result.stdout


@pytest.mark.parametrize("value", ["", " , ", "not-a-fernet-key", base64.urlsafe_b64encode(b"short").decode()])
def test_production_refuses_to_start_without_valid_field_keys(production_env, value):
    production_env["TONGXIN_FIELD_KEYS"] = value

    result = _settings_process(production_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "TONGXIN_FIELD_KEYS" in result.stderr


# Every role that reaches a cadre print or export: it shows no clear value that the role's person page masks.
PRINT_ROLES = ("uf1", "uflead1", "org1", "orglead1", "party1", "party2", "jiwei1", "cppcc_staff", "outsider")


def test_prints_and_exports_show_no_clear_value_a_role_sees_masked_on_the_page(client, cadres):
    from nomination import masking

    from . import cases

    # given: a case with its nominee fixed, the nominee with a family member
    case = cases.candidate_fixed(cadres)
    nominee = case.nominee
    services.person_add_family_member(actor=cadres.uf1, person=nominee, relation="配偶", name="苏某某",
                                      work_and_post="县医院护士")
    clear = {masking.ID_NUMBER: nominee.id_number, masking.PHONE: nominee.phone, masking.ADDRESS: nominee.address,
             masking.FAMILY: "苏某某"}
    urls = [f"/nomination/cases/{case.pk}/print/approval-form/", reverse("nomination:person_export") + "?sensitive=1",
            reverse("nomination:person", args=[nominee.pk]) + "?reveal=1"]
    shown = {}
    for username in PRINT_ROLES:
        user = getattr(cadres, username)
        client.force_login(user)
        allowed = masking.unmaskable(user)
        for url in urls:
            # when (the page unmasks on a POST with its 查阅目的, for the roles that may)
            response = (client.post(reverse("nomination:person_reveal", args=[nominee.pk]), {"purpose": "核对"})
                        if url == urls[2] and allowed else client.get(url))
            if response.status_code in (403, 404):
                continue
            text = _xlsx_text(response.content) if "export" in url else response.content.decode()
            shown[username, url] = {field for field, value in clear.items() if value in text}
            # then
            assert shown[username, url] <= allowed, (username, url)
    # the check has teeth: the departments do get the clear values, and the party organisation reaches its page
    print_url, export_url, page_url = urls
    assert shown["uf1", print_url] == {masking.FAMILY}
    assert shown["org1", export_url] == {masking.ID_NUMBER, masking.PHONE, masking.ADDRESS}
    assert shown["uf1", page_url] == set(clear) and ("party1", page_url) in shown
    print("print/export/page responses checked per role:", len(shown))


def _xlsx_text(content: bytes) -> str:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)
