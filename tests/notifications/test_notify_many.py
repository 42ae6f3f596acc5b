"""notify_many: the batch form of notify (the due sweep's one message per person), in a fixed number of statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import services
from notifications.models import Broadcast, Delivery, Notification, Preference, WebhookEndpoint

pytestmark = pytest.mark.django_db

Message = services.Message


def test_each_message_reaches_its_active_recipient_once_per_key_on_their_channels(
    alice, bob, make_user, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=bob, email=False)
    gone = make_user("gone", is_active=False)

    with django_capture_on_commit_callbacks() as callbacks:
        created = services.notify_many([
            Message(recipient=alice, key="k1", title="甲"), Message(recipient=alice, key="k1", title="甲"),
            Message(recipient=bob, key="k1", title="乙"), Message(recipient=gone, key="k1", title="丙"),
        ])

    assert sorted(n.recipient.username for n in created) == ["alice", "bob"]
    assert list(Delivery.objects.values_list("notification__recipient__username", "channel")) == [("alice", "email")]
    assert len(callbacks) == 1  # the one delivery is queued after the commit


def test_a_repeated_key_creates_nothing(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        services.notify_many([Message(recipient=alice, key="k1", title="甲")])
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.notify_many([Message(recipient=alice, key="k1", title="甲")]) == []
    assert (Notification.objects.count(), Delivery.objects.count(), callbacks) == (1, 1, [])


def test_group_messages_are_posted_once_per_audience_and_key():
    WebhookEndpoint.objects.create(name="教育局群", audience="unit:1", channel="wecom", url="https://example.org/hook")
    services.notify_many([Message(audience="unit:1", key="k1", title="甲"), Message(audience="unit:2", key="k1",
                                                                                   title="甲")])
    services.notify_many([Message(audience="unit:1", key="k1", title="甲")])
    assert list(Broadcast.objects.values_list("audience", "key")) == [("unit:1", "k1")]
    assert Delivery.objects.filter(broadcast__isnull=False).count() == 1


def test_the_statements_do_not_grow_with_the_messages(make_user):
    counts = []
    for size in (3, 30):
        users = [make_user(f"u{size}-{i}") for i in range(size)]
        with CaptureQueriesContext(connection) as queries:
            services.notify_many([Message(recipient=user, key=f"k{size}", title="甲") for user in users])
        counts.append(len(queries))
    # the new notifications (one INSERT … ON CONFLICT DO NOTHING, which on PostgreSQL also returns the recipients'
    # preferences; SQLite reads them next), then the deliveries
    expected = 2 if connection.vendor == "postgresql" else 3
    assert counts == [expected, expected]
    assert Delivery.objects.count() == 33
