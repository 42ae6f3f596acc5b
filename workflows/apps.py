from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("流程引擎")

    def ready(self):
        from . import signals

        post_migrate.connect(signals.seed_calendar, sender=self)
