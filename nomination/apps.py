from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NominationConfig(AppConfig):
    name = "nomination"
    verbose_name = _("党外干部推荐")
