import pytest

# The named personas (``world``) and the Beijing clock (``travel``) are shared by every test package.
pytest_plugins = ["tests.personas", "tests.clock"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a directory of the test's own, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    """A test's transaction is rolled back, never committed: calendar years it cached or wrote must not outlive it
    (a write leaves the thread refusing to cache until a commit that never comes)."""
    yield
    from workflows import calendar

    calendar.clear_cache()
