from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("流程引擎")

    def ready(self):
        from . import (  # noqa: F401  (labels; stage tasks as due subjects; audited logins)
            admin_roles,
            auth_events,
            chains,
            events,
            signals,
            stage_due,
        )

        post_migrate.connect(signals.seed_calendar, sender=self)
        # Slots are registered by the domain apps' ready(); their default chains are created after migrate.
        post_migrate.connect(chains.ensure_slots, sender=self)
        # 三员: after every app's migrate, so the permissions of apps migrated after this one are given too.
        post_migrate.connect(admin_roles.ensure_roles, dispatch_uid="workflows.admin_roles.ensure_roles")
        # Owner-only SQLite files (issue #12 item 4): chmod 0600 whenever a connection opens the database.
        from .file_permissions import restrict_sqlite_file

        connection_created.connect(restrict_sqlite_file, dispatch_uid="workflows.file_permissions.sqlite")
