from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """An organisation unit: a department, an office, a handling unit, a party organisation."""

    class Kind(models.TextChoices):
        CPPCC_OFFICE = "cppcc", _("政协机关")
        SUPERVISION = "supervision", _("督查室")
        HANDLING = "handling", _("承办单位")
        ORG_DEPT = "org_dept", _("组织部")
        UF_DEPT = "uf_dept", _("统战部")
        PARTY = "party", _("民主党派组织")
        DISCIPLINE = "discipline", _("纪委监委")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.HANDLING)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="UnitMembership", related_name="units", verbose_name=_("成员")
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class UnitMembership(models.Model):
    class Role(models.TextChoices):
        HANDLER = "handler", _("经办人")
        LEADER = "leader", _("分管领导")
        HEAD = "head", _("负责人")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("单位"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_memberships", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.HANDLER)

    class Meta:
        verbose_name = _("单位成员")
        verbose_name_plural = _("单位成员")
        constraints = [models.UniqueConstraint(fields=["unit", "user", "role"], name="unique_unit_member_role")]

    def __str__(self):
        return f"{self.unit} · {self.user} · {self.get_role_display()}"
