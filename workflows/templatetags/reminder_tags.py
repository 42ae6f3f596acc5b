"""The escalation colour of a due item (DOMAIN §2.7), for inbox rows, case pages and the 督查室 board."""

from django import template
from django.utils.html import format_html

from workflows.models import DueItem

register = template.Library()


@register.filter
def due_level(item) -> str:
    """"blue", "yellow", "red", or "" for an item not yet near its due date (or no longer open).

    Takes a due item, or a level already read off one (an inbox row annotated with its item's level).
    """
    if item is None:
        return ""
    if isinstance(item, str):
        return item if item in DueItem.Level.values else ""
    if getattr(item, "state", DueItem.State.OPEN) != DueItem.State.OPEN:
        return ""
    return item.level


@register.simple_tag
def level_badge(item):
    """The colour as a labelled badge (the text says it too: colour alone is not enough).

    Built here rather than from a template: an inbox page renders one per row."""
    level = due_level(item)
    if not level:
        return ""
    return format_html('<span class="level level-{}">{}</span>', level, DueItem.Level(level).label)
