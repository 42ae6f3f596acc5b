from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessGrant(models.Model):
    """An explicit right of one user on one object (抄送, 委托, 移交 add grants instead of changing rules)."""

    class Kind(models.TextChoices):
        READ = "read", _("查看")
        CC = "cc", _("抄送")
        DELEGATE = "delegate", _("委托")
        SUPERVISE = "supervise", _("督办")
        LEAD = "lead", _("领办")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants", verbose_name=_("用户")
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    subject_id = models.CharField(max_length=64)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.READ)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("授权人")
    )
    valid_from = models.DateTimeField(_("生效时间"), null=True, blank=True)
    valid_until = models.DateTimeField(_("失效时间"), null=True, blank=True)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("访问授权")
        verbose_name_plural = _("访问授权")
        indexes = [models.Index(fields=["user", "subject_type", "subject_id"], name="grant_user_subject_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "subject_type", "subject_id", "kind"], name="unique_access_grant")
        ]

    def __str__(self):
        return f"{self.user} {self.get_kind_display()} {self.subject_type}#{self.subject_id}"
