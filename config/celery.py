import os

from celery import Celery
from celery.schedules import crontab

from . import broker

broker.register()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tongxin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat only triggers: the database says what is due, so a second beat or a lost trigger changes nothing.
# The intervals come from the environment (tests shorten them); a trigger older than one interval expires,
# so a backlog queued while the workers were down runs once, not once per missed minute.
SWEEP_INTERVAL = float(os.environ.get("TONGXIN_SWEEP_INTERVAL", 60))
RELAY_INTERVAL = float(os.environ.get("TONGXIN_RELAY_INTERVAL", 60))
app.conf.beat_schedule = {
    "relay-outbox": {
        "task": "notifications.tasks.relay_outbox",
        "schedule": RELAY_INTERVAL,
        "options": {"expires": RELAY_INTERVAL},
    },
    "sweep-due-items": {
        "task": "workflows.tasks.sweep_due_items",
        "schedule": SWEEP_INTERVAL,
        "options": {"expires": SWEEP_INTERVAL},
    },
    "heartbeat": {
        "task": "workflows.tasks.heartbeat",
        "schedule": SWEEP_INTERVAL,
        "options": {"expires": SWEEP_INTERVAL},
    },
    # CELERY_TIMEZONE is Asia/Shanghai; the task itself skips rest days.
    "daily-digest": {"task": "workflows.tasks.daily_digest", "schedule": crontab(hour=8, minute=30)},
}
