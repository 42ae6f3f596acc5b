"""The navigation's 待办 / 待认领 figures: the lists' own counts, read only when a page shows them."""

from django.utils.functional import SimpleLazyObject

from . import work
from .models import Unit
from .work_views import holder

# The proposer's role code (proposals.roles.MEMBER; the engine names it, never imports the domain app).
PROPOSER_ROLE = "cppcc_member"


def _worklist(request) -> dict:
    mine = holder(request)
    known = getattr(request, "_work_counts", {})
    counts = {
        "inbox": known["inbox"] if "inbox" in known else work.inbox(request.user, holder=mine).count(),
        "queue": known["queue"] if "queue" in known else (
            work.queue(request.user, holder=mine).count() if mine.may_have_queue else 0),
    }
    # 待认领 is offered to whoever holds a role or a unit; ``groups`` lets the navigation offer each role its pages.
    return {**counts, "may_queue": mine.may_have_queue, "groups": mine.group_names, "units": bool(mine.units)}


def _nav(request) -> dict:
    """Which role-dependent entries of the main navigation this user can use, read once per request.

    Each flag is the condition under which the page has anything for the user: 我的提案 is the 提案者's page (the
    政协委员 role); 承办待办 lists the proposal steps of the user's 承办单位, so only a member of a unit of that kind
    has any (a 民主党派 organisation or the 纪委监委 is a unit too, but never a 承办单位).
    """
    mine = holder(request)  # the request's one read of roles and units, shared with the lists and counts
    return {"my_proposals": PROPOSER_ROLE in mine.group_names, "unit_inbox": Unit.Kind.HANDLING in mine.unit_kinds}


def worklist(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"worklist": SimpleLazyObject(lambda: _worklist(request)), "nav": SimpleLazyObject(lambda: _nav(request))}
