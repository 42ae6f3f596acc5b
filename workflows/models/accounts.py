from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordHistory(models.Model):
    """Each password a user has had (its hash), for the history rule, expiry and the change forced after an
    administrator set it (``must_change``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    changed_at = models.DateTimeField(_("修改时间"))
    must_change = models.BooleanField(_("须本人修改"), default=False)

    class Meta:
        verbose_name = _("密码历史")
        verbose_name_plural = _("密码历史")
        indexes = [models.Index(fields=["user", "-changed_at"], name="password_history_user_idx")]

    def __str__(self):
        return f"{self.user} {self.changed_at:%Y-%m-%d}"
