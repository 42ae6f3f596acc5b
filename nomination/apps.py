from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NominationConfig(AppConfig):
    name = "nomination"
    verbose_name = _("党外干部推荐")

    def ready(self):
        # errors, events, chains and due_subjects register messages, labels, the nomination chains and the
        # subjects of the cadre side's own due items (the legal waits' automatic actions); alerts registers the
        # 工作台 panels and digest lines of the joint work
        from . import alerts, chains, due_subjects, errors, events, roles  # noqa: F401

        post_migrate.connect(roles.ensure_roles, sender=self)
