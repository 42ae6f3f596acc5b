from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """A year whose holidays and make-up working days have been entered (for a region; '' = national)."""

    year = models.PositiveSmallIntegerField(_("年份"))
    region = models.CharField(_("地区"), max_length=40, blank=True, default="")
    source = models.CharField(_("来源"), max_length=200, blank=True)
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("日历年份")
        verbose_name_plural = _("日历年份")
        ordering = ["-year", "region"]
        constraints = [models.UniqueConstraint(fields=["year", "region"], name="unique_calendar_year_region")]

    def __str__(self):
        return f"{self.year} {self.region}".strip()


class CalendarDay(models.Model):
    """An exception to the Monday–Friday rule: a holiday on a weekday or a make-up working day on a weekend."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("节假日")
        WORKDAY = "workday", _("调休工作日")

    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    region = models.CharField(
        _("地区"), max_length=40, blank=True, default="", help_text=_("留空表示全国；填写地区代码表示地方节日。")
    )
    name = models.CharField(_("名称"), max_length=60, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["date", "region"], name="unique_calendar_day_region")]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class DeadlineRule(models.Model):
    """A time limit as data: N working days, N calendar days or N months from a named anchor event (DOMAIN §6)."""

    class Kind(models.TextChoices):
        WORKING_DAYS = "working_days", _("工作日")
        CALENDAR_DAYS = "calendar_days", _("自然日（遇休息日顺延）")
        MONTHS = "months", _("月")

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("计算方式"), max_length=20, choices=Kind.choices, default=Kind.WORKING_DAYS)
    amount = models.PositiveSmallIntegerField(_("数量"))
    anchor = models.CharField(_("起算事件"), max_length=60, help_text=_("例如：交办日、收到答复日。"))
    source = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("期限规则")
        verbose_name_plural = _("期限规则")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.amount} {self.get_kind_display()}）"
