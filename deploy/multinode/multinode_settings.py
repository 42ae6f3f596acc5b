"""Settings of every process deploy/multinode/check.py starts: production's (DEBUG off, the variables production
requires, PostgreSQL and Redis), with two changes a three-minute test needs.

- E-mail is written to files (``MULTINODE_MAIL_DIR``), one message each with its fixed Message-ID, so the check can
  count what was really sent and find a message sent twice.
- The outbox relay re-queues a pending delivery after 10 s instead of 60 s: the delivery a SIGKILLed worker held is
  found again by the relay within the run (Redis itself would hand it out again only after the 600 s visibility
  timeout; the row lock and status check make that late copy a no-op).

Beat's intervals come from the environment (``TONGXIN_SWEEP_INTERVAL``, ``TONGXIN_RELAY_INTERVAL``, read by
config/celery.py), so they need nothing here.
"""

import os

from config.settings import *  # noqa: F401,F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["MULTINODE_MAIL_DIR"]
TONGXIN_RELAY_AFTER = float(os.environ.get("MULTINODE_RELAY_AFTER", 10))
