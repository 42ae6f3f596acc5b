"""Playwright in Debian's Chromium against pytest-django's live server; never a downloaded browser."""

import os
from pathlib import Path

import pytest
from django.db import connection

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "browser"
PASSWORD = "Tongxin@2026"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
}

NO_CHROMIUM = f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)"


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per module. The sync API keeps an event loop running in this thread, so Django's
    async-safety check would refuse the test's own ORM calls; the variable is scoped to the browser tests."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--disable-dev-shm-usage"])
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, started with an off-site MEDIA_URL. The product sets MEDIA_URL = None (uploads
    are served only through access-checked views), which Django's test media handler cannot parse; with a host in
    the URL that handler never serves anything, so the product's rule still holds under test."""
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    with override_settings(MEDIA_URL="http://media.invalid/"):
        server = LiveServer(addr)  # the server thread builds its handlers before it reports ready
    yield server
    server.stop()


@pytest.fixture
def live_site(live_server, transactional_db):
    """The live server's URL. On SQLite, also empty the audit table before the closing flush: its trigger refuses
    DELETE and a transactional test ends by deleting every row (PostgreSQL truncates, which the trigger allows)."""
    yield live_server.url
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS workflows_auditevent_no_delete")
        cursor.execute("DELETE FROM workflows_auditevent")
        cursor.execute(
            "CREATE TRIGGER workflows_auditevent_no_delete BEFORE DELETE ON workflows_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'workflows_auditevent is append-only'); END;"
        )


@pytest.fixture
def screenshots(request):
    """``shot(page, "name")`` saves a full-page PNG per step, named after the test case."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = request.node.name.replace("[", "-").replace("]", "")
    counter = iter(range(1, 100))

    def shot(page, name):
        page.screenshot(path=SCREENSHOTS / f"{prefix}-{next(counter):02d}-{name}.png", full_page=True)

    return shot


def _role_sessions(chromium, live_site, screenshots, viewport):
    from tests.browser.roles import Sessions

    sessions = Sessions(chromium, live_site, viewport, screenshots)
    yield sessions
    sessions.close()


@pytest.fixture
def desktop(chromium, live_site, screenshots):
    """Every role logged in once at desktop width (``roles.Sessions``)."""
    yield from _role_sessions(chromium, live_site, screenshots, "desktop")


@pytest.fixture
def phone(chromium, live_site, screenshots):
    """Every role logged in once at phone width (``roles.Sessions``)."""
    yield from _role_sessions(chromium, live_site, screenshots, "phone")
