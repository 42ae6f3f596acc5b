"""Who may 催办 the deadlines of a nomination case (found by ``workflows.urging``): the two departments' staff."""

from workflows import urging

from . import access
from .models import NominationCase


def may_urge(user, case: NominationCase) -> bool:
    """The Organization and United Front departments' cadres and leaders, who run the case; the outside
    organisations asked for an opinion are urged, they do not urge."""
    return access.can_view_case(user, case)


urging.register("nomination.nominationcase", may_urge)
