from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NominationConfig(AppConfig):
    name = "nomination"
    verbose_name = _("党外干部推荐")

    def ready(self):
        # errors, events and chains register messages, labels and the nomination chains
        from . import chains, errors, events, roles  # noqa: F401

        post_migrate.connect(roles.ensure_roles, sender=self)
