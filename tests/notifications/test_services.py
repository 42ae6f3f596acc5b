import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from notifications import services, tasks
from notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def notify_alice(alice, **extra):
    return services.notify(
        recipients=[alice],
        key="proposal:7:assigned",
        title="提案已交办",
        body="请在 15 个工作日内答复。",
        link="/proposals/7/",
        **extra,
    )


def test_notify_writes_a_notification_and_an_email_delivery(alice, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks():
        created = notify_alice(alice)

    # then
    notification = Notification.objects.get()
    assert created == [notification]
    assert (notification.recipient, notification.title, notification.link) == (alice, "提案已交办", "/proposals/7/")
    assert list(notification.deliveries.values_list("channel", "status")) == [("email", "pending")]


def test_notify_twice_with_the_same_key_creates_nothing_new(alice, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks():
        notify_alice(alice)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        created = notify_alice(alice)

    # then
    assert created == []
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 1
    assert callbacks == []


def test_notify_queues_each_delivery_only_after_commit(alice, bob, monkeypatch, django_capture_on_commit_callbacks):
    # given
    queued = []
    monkeypatch.setattr(tasks.deliver, "delay", queued.append)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        notify_alice(alice)
        notify_alice(bob)
        assert queued == []

    # then
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert sorted(queued) == sorted(Delivery.objects.values_list("pk", flat=True))


def test_rolled_back_notify_writes_and_queues_nothing(alice, monkeypatch, django_capture_on_commit_callbacks):
    # given
    queued = []
    monkeypatch.setattr(tasks.deliver, "delay", queued.append)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                notify_alice(alice)
                raise RuntimeError("the caller's action failed")

    # then
    assert callbacks == []
    assert queued == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_broker_down_at_publish_does_not_fail_the_caller(
    alice, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    # given
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "delay", broker_down)

    # when
    with caplog.at_level(logging.ERROR, logger="notifications.tasks"):
        with django_capture_on_commit_callbacks(execute=True):
            created = notify_alice(alice)

    # then
    assert len(created) == 1
    assert Delivery.objects.get().status == Delivery.Status.PENDING  # left for the relay
    assert "outbox relay will retry" in caplog.text


def test_notify_skips_inactive_users_and_sends_no_email_without_an_address(
    make_user, django_capture_on_commit_callbacks
):
    # given
    gone = make_user("gone", is_active=False)
    no_mail = make_user("nomail", email="")

    # when
    with django_capture_on_commit_callbacks():
        created = services.notify(recipients=[gone, no_mail], key="k", title="标题")

    # then
    assert [n.recipient for n in created] == [no_mail]
    assert not Delivery.objects.exists()


def test_notify_channels_narrow_the_users_own_channels(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        services.notify(recipients=[alice], key="k", title="标题", channels=[])
        services.notify(recipients=[alice], key="k2", title="标题", channels=["email", "sms"])

    assert list(Delivery.objects.values_list("notification__key", "channel")) == [("k2", "email")]


def test_notify_refuses_an_unknown_channel_name(alice):
    with pytest.raises(ValueError, match="emial"):
        services.notify(recipients=[alice], key="k", title="标题", channels=["emial"])


def test_channels_for_offers_email_only_to_users_with_an_address(alice, make_user):
    assert services.channels_for(alice) == ["email"]
    assert services.channels_for(make_user("nomail", email="")) == []


def test_mark_read_marks_all_or_the_given_ids_of_the_user_only(alice, bob, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks():
        first, second, third = (services.notify(recipients=[alice], key=f"k{i}", title="标题")[0] for i in range(3))
        [bobs] = services.notify(recipients=[bob], key="k0", title="标题")

    # when / then
    assert services.mark_read(user=alice, notification_ids=[first.pk, bobs.pk]) == 1
    assert services.unread_count(alice) == 2
    assert services.mark_read(user=alice) == 2
    assert services.unread_count(alice) == 0
    assert services.unread_count(bob) == 1


def test_unread_count_is_one_query(alice, django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        services.notify(recipients=[alice], key="k", title="标题")

    with django_assert_num_queries(1):
        assert services.unread_count(alice) == 1


def test_delivery_resend_gives_failed_deliveries_fresh_attempts(alice, monkeypatch, django_capture_on_commit_callbacks):
    # given
    queued = []
    monkeypatch.setattr(tasks.deliver, "delay", queued.append)
    with django_capture_on_commit_callbacks():
        notify_alice(alice)
    Delivery.objects.update(status=Delivery.Status.FAILED, attempts=8, last_error="SMTPServerDisconnected")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        count = services.delivery_resend(deliveries=Delivery.objects.all())

    # then
    delivery = Delivery.objects.get()
    assert count == 1
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 0)
    assert queued == [delivery.pk]
