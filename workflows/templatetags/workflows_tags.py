from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workflows import audit, roles
from workflows.calendar import working_days_between

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return audit.label(action)


@register.filter
def role_label(group) -> str:
    return roles.label(getattr(group, "name", group))


@register.simple_tag
def due(due_at, provisional=False, done=False):
    """A due date with the working days left, overdue in colour, provisional dates marked.

    Built here rather than from a template: an inbox page renders one per row."""
    if due_at is None:
        return mark_safe('<span class="muted">—</span>')  # nosec B308  # a constant, no user input
    overdue = not done and due_at < timezone.now()
    note = ""
    if overdue:
        note = _("（已逾期）")
    elif not done:
        days_left = working_days_between(timezone.localdate(), timezone.localdate(due_at))
        if days_left == 0:
            note = _("（今天到期）")
        else:
            note = ngettext("（剩 %(days)s 个工作日）", "（剩 %(days)s 个工作日）", days_left) % {"days": days_left}
    marker = format_html(' <span class="provisional" title="{}">{}</span>',
                         _("截止日所在年份的节假日尚未录入，按周一至周五估算。"), _("暂定")) if provisional else ""
    return format_html('<span class="due{}">{}{}{}</span>', " overdue" if overdue else "",
                       timezone.localtime(due_at).strftime("%Y-%m-%d"), note, marker)
