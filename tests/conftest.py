import pytest

# The named personas (``world``) are shared by every test package.
pytest_plugins = ["tests.personas"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a directory of the test's own, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
