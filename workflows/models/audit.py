from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One append-only row per thing that happened to anything. The database refuses UPDATE and DELETE.

    ``at`` is the business time (the application's clock); ``recorded_at`` is the database's clock when the row was
    sealed into the hash chain (``chain_seq``, ``chain_hash``: see workflows/audit_chain.py), so a back-dated ``at``
    stands out and ``manage.py audit_verify`` finds any row changed, deleted or slipped in out of order.
    """

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField(_("对象"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("操作人")
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("代表")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("动作"), max_length=60)
    from_state = models.CharField(_("原状态"), max_length=40, blank=True)
    to_state = models.CharField(_("新状态"), max_length=40, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    changes = models.JSONField(_("变更字段"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("入库时间"), db_default=Now(), editable=False)
    # Set once by the database when the inserting transaction commits (PostgreSQL), or by audit.record (SQLite).
    chain_seq = models.BigIntegerField(_("链序号"), null=True, blank=True, unique=True, editable=False)
    chain_hash = models.CharField(_("链哈希"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"], name="audit_subject_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject_label}"


class AuditAnchor(models.Model):
    """Where the chain continues after ``manage.py audit_archive`` moved its oldest rows to an archive file."""

    through_seq = models.BigIntegerField(_("归档至链序号"), unique=True)
    through_hash = models.CharField(_("归档末行哈希"), max_length=64)
    rows = models.PositiveIntegerField(_("归档行数"))
    file_name = models.CharField(_("归档文件"), max_length=255)
    file_sha256 = models.CharField(_("归档文件 SHA-256"), max_length=64)
    before = models.DateField(_("归档截止日期"))
    created_at = models.DateTimeField(_("归档时间"), db_default=Now())

    class Meta:
        verbose_name = _("审计归档锚点")
        verbose_name_plural = _("审计归档锚点")
        ordering = ["through_seq"]

    def __str__(self):
        return f"{self.through_seq} {self.file_name}"
