"""The navigation's 待办 / 待认领 figures: the lists' own counts, read only when a page shows them."""

from django.utils.functional import SimpleLazyObject

from . import work
from .work_views import holder


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


def worklist(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"worklist": SimpleLazyObject(lambda: _worklist(request))}
