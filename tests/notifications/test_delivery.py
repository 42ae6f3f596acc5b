from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.celery import app as celery_app
from notifications import delivery, services, tasks
from notifications.channels import EmailChannel
from notifications.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(alice, django_capture_on_commit_callbacks):
    """One pending e-mail delivery whose publish has not run."""
    with django_capture_on_commit_callbacks():
        services.notify(
            recipients=[alice], key="proposal:7:assigned", title="提案已交办", body="请及时办理。", link="/proposals/7/"
        )
    return Delivery.objects.get()


@pytest.fixture
def eager_retries():
    """Let an eager task run its retries in-process (propagating would raise the first Retry instead)."""
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def smtp_down(monkeypatch):
    def refuse(self, delivery):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(EmailChannel, "send", refuse)


def test_deliver_sends_exactly_one_email_and_a_second_run_sends_none(pending, settings):
    # given
    settings.TONGXIN_BASE_URL = "https://tongxin.example.gov.cn"

    # when
    tasks.deliver.delay(pending.pk)
    tasks.deliver.delay(pending.pk)

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.subject, message.to) == ("提案已交办", ["alice@example.org"])
    assert message.body == "请及时办理。\n\nhttps://tongxin.example.gov.cn/proposals/7/"
    assert message.extra_headers["X-Tongxin-Delivery"] == str(pending.pk)
    assert message.extra_headers["Message-ID"] == f"<tongxin-delivery-{pending.pk}@localhost>"
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (Delivery.Status.SENT, 1)
    assert pending.sent_at is not None


def test_notify_delivers_after_commit(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[alice], key="k", title="标题")

    assert len(mail.outbox) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_failed_send_counts_an_attempt_and_schedules_a_backed_off_retry(pending, smtp_down):
    # when
    with pytest.raises(delivery.DeliveryFailed) as failure:
        delivery.deliver_one(delivery_id=pending.pk)

    # then
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (Delivery.Status.PENDING, 1)
    assert pending.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert 1 <= failure.value.retry_in <= delivery.BACKOFF_BASE
    assert pending.next_attempt_at > timezone.now()


def test_delivery_fails_for_good_after_the_last_attempt(pending, smtp_down):
    # given
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        with pytest.raises(delivery.DeliveryFailed):
            delivery.deliver_one(delivery_id=pending.pk)

    # when
    sent = delivery.deliver_one(delivery_id=pending.pk)

    # then
    pending.refresh_from_db()
    assert sent is False
    assert (pending.status, pending.attempts) == (Delivery.Status.FAILED, delivery.MAX_ATTEMPTS)
    assert "Connection refused" in pending.last_error
    assert delivery.deliver_one(delivery_id=pending.pk) is False  # a redelivered message does nothing


def test_deliver_task_retries_until_failed(pending, smtp_down, eager_retries):
    tasks.deliver.apply(args=[pending.pk])

    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (Delivery.Status.FAILED, delivery.MAX_ATTEMPTS)
    assert mail.outbox == []


def test_flaky_channel_is_delivered_on_a_retry(pending, monkeypatch, eager_retries):
    # given
    real_send, calls = EmailChannel.send, []

    def flaky(self, row):
        calls.append(row.pk)
        if len(calls) < 4:
            raise TimeoutError("timed out")
        real_send(self, row)

    monkeypatch.setattr(EmailChannel, "send", flaky)

    # when
    tasks.deliver.apply(args=[pending.pk])

    # then
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (Delivery.Status.SENT, 4)
    assert len(mail.outbox) == 1


def test_retry_delay_grows_and_stays_under_the_cap():
    delays = [delivery.retry_delay(attempts=n) for n in range(1, delivery.MAX_ATTEMPTS)]

    assert 1 <= delays[0] <= delivery.BACKOFF_BASE
    assert max(delays) <= delivery.BACKOFF_MAX
    assert delivery.retry_delay(attempts=delivery.MAX_ATTEMPTS - 1) >= delivery.BACKOFF_MAX // 2


def test_deliver_skips_a_recipient_who_lost_the_channel(pending, alice):
    alice.email = ""
    alice.save()

    assert delivery.deliver_one(delivery_id=pending.pk) is False

    pending.refresh_from_db()
    assert pending.status == Delivery.Status.SKIPPED
    assert mail.outbox == []


def age(rows, **delta):
    Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(created=timezone.now() - timedelta(**delta))


def test_relay_picks_only_stale_pending_deliveries(make_user, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks():
        for name in ("stale", "fresh", "sent", "waiting"):
            services.notify(recipients=[make_user(name)], key="k", title="标题")
    rows = {
        row.notification.recipient.username: row for row in Delivery.objects.select_related("notification__recipient")
    }
    age([rows["stale"], rows["sent"], rows["waiting"]], minutes=5)
    Delivery.objects.filter(pk=rows["sent"].pk).update(status=Delivery.Status.SENT)
    Delivery.objects.filter(pk=rows["waiting"].pk).update(attempts=3, next_attempt_at=timezone.now())

    # when
    claimed = delivery.claim_stale()

    # then
    assert claimed == [rows["stale"].pk]
    assert delivery.claim_stale() == []  # claimed rows wait another minute


def test_relay_task_queues_the_claimed_deliveries(pending, monkeypatch):
    # given
    queued = []
    monkeypatch.setattr(tasks.deliver, "delay", queued.append)
    age([pending], seconds=61)

    # when
    count = tasks.relay_outbox()

    # then
    assert (count, queued) == (1, [pending.pk])


def test_relay_batch_is_bounded(make_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        services.notify(recipients=[make_user(f"u{i}") for i in range(5)], key="k", title="标题")
    age(Delivery.objects.all(), minutes=2)

    assert len(delivery.claim_stale(batch=3)) == 3
    assert len(delivery.claim_stale(batch=3)) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_relay_claims_with_skip_locked_so_concurrent_relays_and_senders_do_not_collide(pending):
    # A threaded version needs a transactional test, whose flush the append-only audit trigger refuses.
    age([pending], minutes=2)

    with CaptureQueriesContext(connection) as queries:
        delivery.claim_stale()

    assert any(q["sql"].endswith("FOR UPDATE SKIP LOCKED") for q in queries.captured_queries)
