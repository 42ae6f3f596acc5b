from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("政协提案")

    def ready(self):
        from workflows.due import DUE_CHANGED_HOOKS

        from . import (  # noqa: F401  (chains and events register themselves)
            chains,
            defaults,
            due_subjects,  # noqa: F401  (registers the proposal deadlines with the reminder sweeps)
            events,
            roles,
        )
        from .services import assignment_due_changed

        DUE_CHANGED_HOOKS.append(assignment_due_changed)
        post_migrate.connect(roles.ensure_roles, sender=self)
        post_migrate.connect(defaults.ensure_deadline_rules, sender=self)
        post_migrate.connect(defaults.ensure_outcome_categories, sender=self)
