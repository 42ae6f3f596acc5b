"""Settings of the worker, beat and web processes that the fault-injection tests start.

The production settings, with the retry and relay delays shortened (by the test fixtures, through the
environment) so that a test can watch them run out, a visibility timeout short enough to show that recovery does
not wait for it, and e-mail written to files the test counts.
"""

import os

from config.settings import *  # noqa: F401,F403
from config.settings import CELERY_BROKER_TRANSPORT_OPTIONS

TONGXIN_DELIVERY_MAX_ATTEMPTS = int(os.environ["TONGXIN_DELIVERY_MAX_ATTEMPTS"])
TONGXIN_DELIVERY_BACKOFF_BASE = float(os.environ["TONGXIN_DELIVERY_BACKOFF_BASE"])
TONGXIN_DELIVERY_BACKOFF_MAX = float(os.environ["TONGXIN_DELIVERY_BACKOFF_MAX"])
TONGXIN_RELAY_AFTER = float(os.environ["TONGXIN_RELAY_AFTER"])
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": 30}
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["RELIABILITY_MAIL_DIR"]
