from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NominationConfig(AppConfig):
    name = "nomination"
    verbose_name = _("党外干部推荐")

    def ready(self):
        from . import errors, events, roles  # noqa: F401  (errors and events register messages and labels)

        post_migrate.connect(roles.ensure_roles, sender=self)
