"""The open negative decision on a person, for the person page (the same guard as the service decides who answers)."""

from django import template

from .. import access, roles
from ..services import joint

register = template.Library()


@register.simple_tag(takes_context=True)
def open_joint_decision(context, person):
    """The decision waiting for the other department, with ``waiting_label`` and ``may_decide`` for this user."""
    decision = access.open_decision(person)
    if decision is not None:
        decision.proposed_label = roles.DEPARTMENT_LABELS[decision.proposed_department]
        decision.waiting_label = roles.DEPARTMENT_LABELS[joint.other_department(decision.proposed_department)]
        decision.may_decide = joint.can_decide(context["request"].user, decision)
    return decision
