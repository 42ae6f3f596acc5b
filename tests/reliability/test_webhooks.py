"""RELIABILITY row 12: a flaky robot gets its message once after retries; a poison one ends FAILED and visible;
neither holds up the hundred messages behind them."""

import time

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from notifications import services as notification_services
from notifications.models import Delivery, WebhookEndpoint

from .conftest import MAX_ATTEMPTS
from .harness import WebhookServer, report, wait_until

pytestmark = pytest.mark.reliability

NORMAL = 100
SECRET = "SECreliability"


@pytest.fixture
def robots():
    server = WebhookServer(flaky_failures=3, dingtalk_secret=SECRET)
    yield server
    server.close()


def test_flaky_and_poison_webhooks(services, publisher, robots, record_property, django_user_model):
    # given a signed DingTalk robot that fails three times, a WeCom robot that always fails, a healthy one
    WebhookEndpoint.objects.create(name="flaky", audience="flaky", channel="dingtalk", url=f"{robots.base}/flaky",
                                   secret=SECRET)
    WebhookEndpoint.objects.create(name="poison", audience="poison", channel="wecom", url=f"{robots.base}/poison")
    WebhookEndpoint.objects.create(name="ok", audience="ok", channel="wecom", url=f"{robots.base}/ok")
    services.worker(concurrency=2)
    services.beat()

    # when one message goes to each failing robot, then a hundred to the healthy one
    started = time.monotonic()
    with transaction.atomic():
        notification_services.notify(recipients=[], key="flaky-1", title="逾期督办", audiences=["flaky"])
        notification_services.notify(recipients=[], key="poison-1", title="逾期督办", audiences=["poison"])
        for i in range(NORMAL):
            notification_services.notify(recipients=[], key=f"normal-{i}", title=f"到期提醒 {i}", audiences=["ok"])
    rows = Delivery.objects.select_related("endpoint")

    def settled():
        return not rows.filter(status=Delivery.Status.PENDING).exists()

    wait_until(settled, timeout=90, what="every delivery to be sent or given up")

    # then
    flaky, poison = rows.get(endpoint__name="flaky"), rows.get(endpoint__name="poison")
    normal = rows.filter(endpoint__name="ok")
    calls = robots.requests
    flaky_ok = [r for r in calls if r["route"] == "/flaky" and r["ok"]]
    normal_ok = [r for r in calls if r["route"] == "/ok" and r["ok"]]
    poison_calls = [r for r in calls if r["route"] == "/poison"]
    normal_done = max(r["at"] for r in normal_ok) - started
    poison_given_up = max(r["at"] for r in poison_calls) - started
    admin = django_user_model.objects.create_superuser("root", "root@example.org", None)
    browser = Client()
    browser.force_login(admin)
    failed_page = browser.get(reverse("admin:notifications_delivery_changelist"), {"status__exact": "failed"})
    figures = {
        "flaky_attempts": flaky.attempts, "flaky_delivered": len(flaky_ok),
        "poison_attempts": poison.attempts, "poison_status": poison.status, "max_attempts": MAX_ATTEMPTS,
        "poison_visible_in_admin": "HTTPError" in failed_page.content.decode(),
        "normal_delivered": normal.filter(status=Delivery.Status.SENT).count(),
        "normal_received_once": len({r["delivery"] for r in normal_ok}) == len(normal_ok) == NORMAL,
        "normal_done_s": round(normal_done, 1), "poison_given_up_s": round(poison_given_up, 1),
    }
    report(record_property, row=12, name="flaky_and_poison_webhooks", **figures)
    assert (flaky.status, figures["flaky_attempts"], figures["flaky_delivered"]) == (Delivery.Status.SENT, 4, 1)
    assert (poison.status, poison.attempts, len(poison_calls)) == (Delivery.Status.FAILED,
                                                                    MAX_ATTEMPTS,
                                                                    MAX_ATTEMPTS)
    assert "HTTP Error 502" in poison.last_error
    assert figures["poison_visible_in_admin"]
    assert figures["normal_delivered"] == NORMAL and figures["normal_received_once"]
    assert normal_done < poison_given_up  # no head-of-line blocking behind the retries
