from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("流程引擎")

    def ready(self):
        from . import (  # noqa: F401  (labels; stage tasks as due subjects; audited logins)
            auth_events,
            chains,
            events,
            signals,
            stage_due,
        )

        post_migrate.connect(signals.seed_calendar, sender=self)
        # Slots are registered by the domain apps' ready(); their default chains are created after migrate.
        post_migrate.connect(chains.ensure_slots, sender=self)
