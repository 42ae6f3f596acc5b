"""The rows of 待办 and 待认领, built here rather than in their templates: a page has fifty rows of eight cells, and
the template engine's per-node cost was a third of the page's time (bench/README.md). Every value is escaped by
``format_html``."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .reminder_tags import level_badge
from .workflows_tags import due

register = template.Library()

_ROW = ('<tr data-testid="work-item">{}<td data-label="{}"><a href="{}">{}</a></td>'
        '<td data-label="{}"><a href="{}">{}</a></td><td data-label="{}">{}</td><td data-label="{}">{}{}</td>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td><td>{}</td></tr>')


def _labels() -> dict[str, str]:
    """The cells' labels (the stacked table's captions on a phone), translated once per page."""
    return {"title": _("事项"), "case": _("案件"), "step": _("步骤"), "holder": _("办理人/单位"), "due": _("期限"),
            "level": _("督办")}


def _due_cell(item) -> SafeString:
    due_item = item.due_item
    if due_item is None:
        return mark_safe('<span class="muted">—</span>')  # nosec B308  # a constant, no user input
    return format_html('{}<br><span class="muted">{}</span>', due(due_item.due_at, due_item.provisional),
                       due_item.title)


def _row(labels, item, holder, step, *, first="", note="", last="") -> SafeString:
    return format_html(
        _ROW, first, labels["title"], item.link, item.title, labels["case"], item.link, item.case_label,
        labels["step"], step, labels["holder"], holder, note, labels["due"], _due_cell(item), labels["level"],
        level_badge(item.due_item), last)


def _empty(columns: int, text: str) -> SafeString:
    return format_html('<tr><td colspan="{}" class="muted">{}</td></tr>', columns, text)


@register.simple_tag
def inbox_rows(rows, batchable, user) -> SafeString:
    """待办's rows: a checkbox where 批量同意 applies, 受托代办 or 已认领 after the holder, 退回认领 for the claimer."""
    if not rows:
        return _empty(8, _("暂无待办。"))
    labels = _labels()
    select, on_behalf, claimed, release = _("选择"), _("受托代办"), _("已认领"), _("退回认领")
    html = []
    for item, holder, step, delegated in rows:
        first = format_html('<td><input type="checkbox" name="items" value="{}" aria-label="{}"></td>', item.pk,
                            select) if item.pk in batchable else mark_safe("<td></td>")  # nosec B308  # a constant
        note = (format_html(' <span class="muted">（{}）</span>', on_behalf) if delegated
                else format_html(' <span class="muted">（{}）</span>', claimed) if item.claimed else "")
        last = format_html(
            '<button type="submit" class="linklike" formaction="{}" data-testid="release">{}</button>',
            reverse("workflows:release", args=[item.pk]), release) if item.claimed and item.assignee_id == user.pk else ""
        html.append(_row(labels, item, holder, step, first=first, note=note, last=last))
    return format_html_join("", "{}", ((row,) for row in html))


@register.simple_tag
def queue_rows(rows) -> SafeString:
    """待认领's rows, each with its 认领 button."""
    if not rows:
        return _empty(7, _("暂无待认领事项。"))
    labels = _labels()
    claim = _("认领")
    return format_html_join("", "{}", ((_row(labels, item, holder, step, last=format_html(
        '<button type="submit" formaction="{}" data-testid="claim">{}</button>',
        reverse("workflows:claim", args=[item.pk]), claim)),) for item, holder, step, _delegated in rows))
