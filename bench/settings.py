"""The project's settings plus the ``bench`` package as an app, so that viewflow can name ``BenchFlow``.

Only ``bench/lifecycle.py`` uses this module; the project's own INSTALLED_APPS stay as they are.
"""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
