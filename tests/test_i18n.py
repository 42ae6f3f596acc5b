"""Translation catalogs are complete, and the UI speaks Chinese unless the user picked English."""

import importlib.util
import json
from pathlib import Path

import polib
import pytest
from django.utils.translation.reloader import translation_file_changed

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
CATALOGS = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def _load_i18n_script():
    spec = importlib.util.spec_from_file_location("tongxin_i18n", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


i18n = _load_i18n_script()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """The .mo files are build output (gitignored): compile them, then drop catalogs Django may have cached."""
    compiled = i18n.compile_catalogs()
    translation_file_changed(sender=None, file_path=Path("django.mo"))
    return compiled


def test_every_expected_catalog_exists():
    expected = {f"{lang}/LC_MESSAGES/{domain}.po" for lang in ("zh_Hans", "en") for domain in ("django", "djangojs")}
    assert expected <= {str(path.relative_to(LOCALE_DIR)) for path in CATALOGS}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_catalog_is_fully_translated(path):
    catalog = polib.pofile(str(path))
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
    assert [e.msgid for e in catalog.translated_entries() if i18n.placeholder_errors(e)] == []
    language = path.parent.parent.name
    assert all(len(e.msgstr_plural) == i18n.nplurals(language) for e in catalog if e.msgid_plural and not e.obsolete)


def test_viewflow_navigation_is_translated():
    catalog = polib.pofile(str(LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    translations = {e.msgid: e.msgstr for e in catalog if not e.msgctxt}
    assert translations["Inbox"] == "待办"
    assert translations["Queue"] == "待认领"
    assert translations["Archive"] == "已办"
    assert translations["New process"] == "发起流程"


def test_merge_keeps_confirmed_translations_and_drops_fuzzy_guesses():
    previous = polib.POFile()
    previous.append(polib.POEntry(msgid="Inbox", msgstr="待办"))
    previous.append(polib.POEntry(msgid="Queue", msgstr="队列", flags=["fuzzy"]))
    previous.append(polib.POEntry(msgid="Gone", msgstr="已删"))
    reference = [polib.POEntry(msgid=m) for m in ("Inbox", "Queue", "New")]
    reference.append(polib.POEntry(msgid="%(n)s task", msgid_plural="%(n)s tasks", msgstr_plural={0: "", 1: ""}))

    merged = i18n.merge(previous, reference, "zh_Hans")

    assert [(e.msgid, e.msgstr) for e in merged if not e.msgid_plural] == [
        ("Inbox", "待办"),
        ("Queue", ""),
        ("New", ""),
    ]
    assert merged.fuzzy_entries() == []
    assert merged[-1].msgstr_plural == {0: ""}


def test_placeholder_check_catches_a_lost_or_invented_key():
    entry = polib.POEntry(msgid="Process #%(pk)s has been canceled.", flags=["python-format"])
    entry.msgstr = "流程已取消。"
    assert i18n.placeholder_errors(entry)
    entry.msgstr = "流程 #%(id)s 已取消。"
    assert i18n.placeholder_errors(entry)
    entry.msgstr = "流程 #%(pk)s 已取消。"
    assert not i18n.placeholder_errors(entry)


@pytest.fixture
def logged_in_client(client, django_user_model, db):
    user = django_user_model.objects.create_superuser(username="i18n", email="i18n@example.com", password="x" * 12)
    client.force_login(user)
    return client


def test_inbox_is_chinese_by_default(logged_in_client):
    response = logged_in_client.get("/inbox/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "待办" in content and "工作台" in content
    assert "Inbox" not in content


def test_browser_language_does_not_switch_to_english(logged_in_client):
    content = logged_in_client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "待办" in content
    assert "Inbox" not in content


def test_language_cookie_switches_to_english(logged_in_client, settings):
    logged_in_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = logged_in_client.get("/inbox/").content.decode()
    assert "Inbox" in content and "Workbench" in content
    assert "待办" not in content


def test_javascript_catalog_carries_viewflow_strings(client):
    response = client.get("/jsi18n/")
    assert response.status_code == 200
    # The view embeds the catalog as JSON, so non-ASCII text arrives \u-escaped.
    assert json.dumps("已选 %(sel)s 项")[1:-1] in response.content.decode()
