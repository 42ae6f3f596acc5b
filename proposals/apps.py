from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("政协提案")

    def ready(self):
        from . import (  # noqa: F401  (chains and events register themselves)
            chains,
            defaults,
            due_subjects,  # noqa: F401  (registers the proposal deadlines with the reminder sweeps)
            events,
            roles,
            setup_checks,
        )
        post_migrate.connect(roles.ensure_roles, sender=self)
        post_migrate.connect(defaults.ensure_deadline_rules, sender=self)
        post_migrate.connect(defaults.ensure_outcome_categories, sender=self)
