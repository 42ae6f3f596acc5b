"""``scripts/pip_audit.py`` fails on a known vulnerability and never reports an audit that checked nothing as clean."""

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pip_audit.py"


@pytest.fixture
def wrapper(monkeypatch):
    spec = importlib.util.spec_from_file_location("pip_audit_wrapper", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module.sys, "argv", ["pip_audit.py"])
    monkeypatch.delenv("PIP_AUDIT_REQUIRED", raising=False)

    def answer(dependencies):
        def run(command, **kwargs):
            output = Path(command[command.index("--output") + 1])
            output.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
            return SimpleNamespace(returncode=1 if any(d.get("vulns") for d in dependencies) else 0, stderr="")

        monkeypatch.setattr(module.subprocess, "run", run)
        return module

    return answer


SKIPPED = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2)"}


def test_an_audit_that_reached_no_package_says_skipped_and_is_not_a_pass_when_required(wrapper, monkeypatch, capsys):
    module = wrapper([SKIPPED])

    assert module.main() == 0
    assert "pip-audit SKIPPED" in capsys.readouterr().out
    monkeypatch.setenv("PIP_AUDIT_REQUIRED", "1")
    assert module.main() == 1


def test_a_known_vulnerability_fails(wrapper, capsys):
    module = wrapper([{"name": "django", "version": "5.2", "vulns": [
        {"id": "PYSEC-2099-1", "fix_versions": ["5.2.99"]}]}])

    assert module.main() == 1
    assert "django 5.2: PYSEC-2099-1 (fixed in 5.2.99)" in capsys.readouterr().out


def test_a_clean_audit_passes_with_its_figures(wrapper, capsys):
    module = wrapper([{"name": "django", "version": "5.2", "vulns": []}, SKIPPED])

    assert module.main() == 0
    out = capsys.readouterr().out
    assert "1 packages audited, 0 with known vulnerabilities, 1 not audited." in out
    assert "SKIPPED" not in out
