"""Which message told people of which item: read off the timeline rows the sweep writes (``changes``).

A sweep batch sends each person ONE message listing all their items that fell due in it (workflows.sweeps), so
counting notifications no longer counts items: each item's timeline row names the keys of the messages that
carried it, and these helpers check every item was carried, by messages that exist, and none twice.
"""

from collections import Counter

from notifications.models import Delivery, Notification
from workflows.models import AuditEvent


def told(*, action: str = "due.escalated_yellow") -> dict:
    """Figures over the timeline rows of ``action``: items told, items told twice, messages named, missing, doubled."""
    rows = list(AuditEvent.objects.filter(action=action).values_list("changes", flat=True))
    per_item = Counter(changes["due_item"] for changes in rows)
    keys = {key for changes in rows for key in changes["messages"]}
    sent = Notification.objects.filter(key__in=keys)
    return {
        "items_told": len(per_item),
        "items_told_twice": sum(1 for count in per_item.values() if count > 1),
        "messages": sent.count(),
        "messages_missing": len(keys - set(sent.values_list("key", flat=True))),
        "messages_doubled": sent.count() - sent.values("recipient", "key").distinct().count(),
    }


def sent_at_by_item(*, channel: str, action: str = "due.escalated_yellow") -> dict:
    """Item id -> when the message that told of it went out on ``channel`` (items not yet sent are left out)."""
    rows = AuditEvent.objects.filter(action=action).values_list("changes", flat=True)
    keys_of = {changes["due_item"]: changes["messages"] for changes in rows}
    sent = dict(
        Delivery.objects.filter(notification__key__in={key for keys in keys_of.values() for key in keys},
                                channel=channel, status=Delivery.Status.SENT)
        .values_list("notification__key", "sent_at")
    )
    found = {}
    for item_id, keys in keys_of.items():
        times = [sent[key] for key in keys if key in sent]
        if times:
            found[item_id] = min(times)
    return found
