"""Translation catalogs: extract, fill, compile, check.

    python scripts/i18n.py extract   # project + viewflow msgids -> locale/{zh_Hans,en}/LC_MESSAGES/{django,djangojs}.po
    python scripts/i18n.py fill      # identity translations that need no translator (see fill())
    python scripts/i18n.py compile   # every locale/**/*.po -> .mo, pure Python (polib), run at build time
    python scripts/i18n.py check     # untranslated / fuzzy / placeholder problems; exit 1 if any

The project writes its msgids in Simplified Chinese; viewflow writes English ones and ships an
empty zh_Hans catalog, so its msgids are pulled into our catalogs, where LOCALE_PATHS gives our
translations precedence over the package's own. extract and fill are idempotent: re-running them
keeps every confirmed translation and rewrites nothing else.
"""

import argparse
import importlib.util
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
DOMAINS = ("django", "djangojs")
PLURAL_FORMS = {"zh_Hans": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}
# Never scanned for project msgids: hidden directories (.venv, .git), runtime data, benchmarks, and
# tests (a test may quote a msgid, but only shipped code defines one).
IGNORED_DIRS = (".*", "var", "node_modules", "bench", "tests", "locale", "__pycache__")
CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
PERCENT_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sdifr]")
BRACE_PLACEHOLDER = re.compile(r"\{\w*\}")


def catalog_path(language: str, domain: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def nplurals(language: str) -> int:
    return int(re.search(r"nplurals=(\d+)", PLURAL_FORMS[language]).group(1))


# --- extract -----------------------------------------------------------------------------------


def _makemessages_pot(source_root: Path, domain: str) -> polib.POFile:
    """Run Django's makemessages over a scratch tree that holds only the sources to scan.

    Working in a scratch tree keeps makemessages' own msgmerge (with fuzzy matching) away from our
    catalogs; we take only the template it extracts and merge it ourselves.
    """
    (source_root / "locale").mkdir(exist_ok=True)
    command = [sys.executable, "-m", "django", "makemessages", "--keep-pot", "--domain", domain]
    command += ["--locale", "zh_Hans", "--locale", "en"]
    for pattern in IGNORED_DIRS:
        command += ["--ignore", pattern]
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(command, cwd=source_root, env=env, capture_output=True, text=True)  # nosec B603  # fixed argv
    if result.returncode:
        raise SystemExit(f"makemessages failed:\n{result.stderr}")
    pot = source_root / "locale" / f"{domain}.pot"
    # makemessages writes no template when it found no msgid at all.
    return polib.pofile(str(pot)) if pot.exists() else polib.POFile()


def _copy_project(dest: Path) -> None:
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*IGNORED_DIRS, "*.pyc", "*.mo"))


def _viewflow_dir() -> Path:
    # find_spec locates the package without importing it (importing viewflow needs configured settings).
    return Path(importlib.util.find_spec("viewflow").origin).resolve().parent


def _copy_viewflow(dest: Path) -> None:
    shutil.copytree(
        _viewflow_dir(), dest / "viewflow", ignore=shutil.ignore_patterns("locale", "static", "__pycache__")
    )


def _copy_viewflow_js_sources(dest: Path) -> None:
    """viewflow ships its JavaScript minified (gettext renamed away), so read the originals from the source maps."""
    for source_map in (_viewflow_dir() / "static").rglob("*.js.map"):
        data = json.loads(source_map.read_text(encoding="utf-8"))
        for name, content in zip(data.get("sources", []), data.get("sourcesContent") or [], strict=False):
            if not content or "gettext" not in content or "node_modules" in name:
                continue
            relative = posixpath.normpath(name.split("://", 1)[-1]).lstrip("/")
            while relative.startswith("../"):
                relative = relative[3:]
            target = dest / "viewflow" / "static-src" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")


def _union(*pots: polib.POFile) -> list[polib.POEntry]:
    """Reference entries in first-seen order; a msgid found in several sources keeps all its locations."""
    entries: dict[str, polib.POEntry] = {}
    for pot in pots:
        for entry in pot:
            known = entries.get(entry.msgid_with_context)
            if known is None:
                entries[entry.msgid_with_context] = entry
            else:
                known.occurrences += [o for o in entry.occurrences if o not in known.occurrences]
                known.flags += [f for f in entry.flags if f not in known.flags]
    return list(entries.values())


def reference_entries(domain: str) -> list[polib.POEntry]:
    with tempfile.TemporaryDirectory() as scratch:
        project, package = Path(scratch) / "project", Path(scratch) / "viewflow"
        _copy_project(project)
        package.mkdir()
        (_copy_viewflow_js_sources if domain == "djangojs" else _copy_viewflow)(package)
        return _union(_makemessages_pot(project, domain), _makemessages_pot(package, domain))


def _metadata(language: str, previous: polib.POFile | None) -> dict[str, str]:
    metadata = dict(previous.metadata) if previous is not None else {}
    metadata.update(
        {
            "Project-Id-Version": metadata.get("Project-Id-Version") or "Tongxin",
            "Language": language,
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": PLURAL_FORMS[language],
        }
    )
    return metadata


def merge(previous: polib.POFile | None, reference: list[polib.POEntry], language: str) -> polib.POFile:
    """msgmerge without fuzzy matching: a translation survives only for the very same msgid and context.

    A previous entry marked fuzzy is an unconfirmed guess, so its translation is dropped and the entry
    shows up as untranslated in `check` instead of shipping the guess.
    """
    known = {e.msgid_with_context: e for e in previous or () if not e.obsolete and not e.fuzzy}
    catalog = polib.POFile(wrapwidth=79)
    catalog.header = f"Tongxin (同心) {language} translations. Built by scripts/i18n.py extract: edit msgstr only."
    catalog.metadata = _metadata(language, previous)
    for ref in reference:
        entry = polib.POEntry(
            msgid=ref.msgid,
            msgctxt=ref.msgctxt,
            msgid_plural=ref.msgid_plural,
            occurrences=list(ref.occurrences),
            comment=ref.comment,
            flags=[f for f in ref.flags if f != "fuzzy"],
        )
        old = known.get(ref.msgid_with_context)
        if old is not None:
            entry.msgstr, entry.tcomment = old.msgstr, old.tcomment
            entry.msgstr_plural = dict(old.msgstr_plural)
        if entry.msgid_plural:
            entry.msgstr = ""
            entry.msgstr_plural = {i: entry.msgstr_plural.get(i, "") for i in range(nplurals(language))}
        catalog.append(entry)
    return catalog


def extract() -> None:
    for domain in DOMAINS:
        reference = reference_entries(domain)
        for language in PLURAL_FORMS:
            path = catalog_path(language, domain)
            previous = polib.pofile(str(path)) if path.exists() else None
            path.parent.mkdir(parents=True, exist_ok=True)
            merge(previous, reference, language).save(str(path))
            print(f"{path.relative_to(ROOT)}: {len(reference)} msgids")


# --- fill --------------------------------------------------------------------------------------


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def _identity(entry: polib.POEntry, language: str) -> None:
    if entry.msgid_plural:
        forms = [entry.msgid, entry.msgid_plural] if nplurals(language) == 2 else [entry.msgid_plural]
        entry.msgstr_plural = dict(enumerate(forms))
    else:
        entry.msgstr = entry.msgid


def fill() -> None:
    """Translations that are the msgid itself: Chinese msgids in zh_Hans, English msgids in en.

    Everything else (English msgids in zh_Hans, Chinese msgids in en) is left for the translator.
    """
    for language, wants_cjk in (("zh_Hans", True), ("en", False)):
        for domain in DOMAINS:
            path = catalog_path(language, domain)
            if not path.exists():
                continue
            catalog = polib.pofile(str(path), wrapwidth=79)
            filled = 0
            for entry in catalog:
                if entry.obsolete or entry.fuzzy or entry.translated():
                    continue
                if has_cjk(entry.msgid + (entry.msgid_plural or "")) == wants_cjk:
                    _identity(entry, language)
                    filled += 1
            if filled:
                catalog.save(str(path))
            print(f"{path.relative_to(ROOT)}: filled {filled}")


# --- compile -----------------------------------------------------------------------------------


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every .po under locale/ to .mo; fuzzy and untranslated entries are left out, as msgfmt does."""
    compiled = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        compiled.append(mo_path)
    return compiled


# --- check -------------------------------------------------------------------------------------


def _placeholders(text: str, percent: bool) -> list[str]:
    found = BRACE_PLACEHOLDER.findall(text)
    if percent:
        found += PERCENT_PLACEHOLDER.findall(text.replace("%%", ""))
    return sorted(found)


def placeholder_errors(entry: polib.POEntry) -> list[str]:
    """msgstrs whose placeholders would break formatting: a missing key raises, a dropped one loses data."""
    percent = "python-format" in entry.flags or "javascript-format" in entry.flags
    if not entry.msgid_plural:
        if entry.msgstr and _placeholders(entry.msgstr, percent) != _placeholders(entry.msgid, percent):
            return [entry.msgstr]
        return []
    allowed = set(_placeholders(entry.msgid, percent) + _placeholders(entry.msgid_plural, percent))
    forms = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    errors = [form for form in forms if form and not set(_placeholders(form, percent)) <= allowed]
    # The last form serves every count above one, so it must show what the plural msgid shows.
    if forms and forms[-1] and _placeholders(forms[-1], percent) != _placeholders(entry.msgid_plural, percent):
        errors.append(forms[-1])
    return errors


def catalog_problems(path: Path) -> dict[str, list[str]]:
    catalog = polib.pofile(str(path))
    language = path.parent.parent.name
    wrong_plurals = [
        e.msgid for e in catalog if e.msgid_plural and not e.obsolete and len(e.msgstr_plural) != nplurals(language)
    ]
    return {
        "untranslated": [e.msgid for e in catalog.untranslated_entries()],
        "fuzzy": [e.msgid for e in catalog.fuzzy_entries()],
        "placeholders": [e.msgid for e in catalog.translated_entries() if placeholder_errors(e)],
        "plural forms": wrong_plurals,
    }


def check() -> int:
    failed = False
    paths = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    if not paths:
        print("no catalogs under locale/: run extract")
        return 1
    for path in paths:
        problems = catalog_problems(path)
        print(f"{path.relative_to(ROOT)}: " + ", ".join(f"{len(v)} {k}" for k, v in problems.items()))
        for kind, msgids in problems.items():
            for msgid in msgids:
                print(f"    {kind}: {msgid!r}")
            failed = failed or bool(msgids)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("extract", "fill", "compile", "check"))
    command = parser.parse_args().command
    if command == "extract":
        extract()
    elif command == "fill":
        fill()
    elif command == "compile":
        for path in compile_catalogs():
            print(path.relative_to(ROOT))
    else:
        return check()
    return 0


if __name__ == "__main__":
    sys.exit(main())
