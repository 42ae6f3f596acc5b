"""Project-wide guarantees: production settings, one state per case, import layers, deployable static files."""

import base64
import importlib
import json
import os
import pkgutil
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from viewflow.workflow.flow import Flow

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROJECT_PACKAGES = ("workflows", "proposals", "nomination", "notifications")


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def production_env(tmp_path):
    """The environment of a production host: nothing from the test run, DEBUG unset."""
    return {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TONGXIN_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.org",
        "TONGXIN_HMAC_KEY": secrets.token_urlsafe(32),
        "TONGXIN_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "TONGXIN_SMS_BACKEND": "notifications.sms.LoggingBackend",
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
    }


def test_production_settings_pass_check_deploy(production_env):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("missing", [("SECRET_KEY",), ("ALLOWED_HOSTS",), ("SECRET_KEY", "ALLOWED_HOSTS")])
def test_production_refuses_to_start_without_secret_key_and_allowed_hosts(production_env, missing):
    for name in missing:
        del production_env[name]

    result = run_manage("check", env=production_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in missing:
        assert name in result.stderr


def test_collectstatic_builds_the_production_manifest(production_env):
    result = run_manage("collectstatic", "--noinput", env=production_env)

    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((Path(production_env["TONGXIN_VAR_DIR"]) / "static" / "staticfiles.json").read_text())
    assert "css/tongxin.css" in manifest["paths"]


def import_project_modules():
    """Import every module of the project apps (but migrations), so that no flow class escapes the walk."""
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)


def project_flow_classes():
    import_project_modules()
    found, pending = [], list(Flow.__subclasses__())
    while pending:
        flow_class = pending.pop()
        pending.extend(flow_class.__subclasses__())
        if flow_class.__module__.split(".")[0] in PROJECT_PACKAGES:
            found.append(flow_class)
    return found


def test_no_case_runs_on_a_viewflow_flow():
    """A case's one state is its ``viewflow.fsm`` lifecycle (workflows/README.md): no flow graph keeps a second one."""
    assert project_flow_classes() == []


def test_a_lost_race_is_answered_after_the_messages_are_set_up():
    from django.conf import settings

    assert settings.MIDDLEWARE.index("workflows.middleware.StaleStateMiddleware") > settings.MIDDLEWARE.index(
        "django.contrib.messages.middleware.MessageMiddleware")


def test_import_layers_hold():
    result = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"], cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_match_the_models(production_env):
    result = run_manage("makemigrations", "--check", "--dry-run", env=production_env)

    assert result.returncode == 0, result.stdout + result.stderr
