from django import template
from django.utils import timezone

from workflows import audit, roles
from workflows.calendar import working_days_between

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return audit.label(action)


@register.filter
def role_label(group) -> str:
    return roles.label(getattr(group, "name", group))


@register.inclusion_tag("workflows/_due.html")
def due(due_at, provisional=False, done=False):
    """A due date with the working days left, overdue in colour, provisional dates marked."""
    if due_at is None:
        return {"due_at": None}
    today = timezone.localdate()
    days_left = working_days_between(today, timezone.localdate(due_at))
    return {
        "due_at": due_at,
        "days_left": days_left,
        "overdue": not done and due_at < timezone.now(),
        "provisional": provisional,
        "done": done,
    }
