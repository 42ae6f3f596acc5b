import pytest

# The named personas (``world``) and the Beijing clock (``travel``) are shared by every test package.
pytest_plugins = ["tests.personas", "tests.clock"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a directory of the test's own, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
