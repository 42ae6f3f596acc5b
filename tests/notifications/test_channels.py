"""Group robots (WeCom, DingTalk), the SMS adapter, per-user preferences and the publish pause."""

import base64
import hashlib
import hmac
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from notifications import channels, delivery, services, tasks
from notifications.models import Broadcast, Delivery, Preference, WebhookEndpoint

pytestmark = pytest.mark.django_db


class Robot:
    """A local stand-in for a group robot: records each POST and answers with the next scripted reply."""

    def __init__(self):
        self.requests = []
        self.replies = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?access_token=t0ken"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
                status, reply = robot.replies.pop(0) if robot.replies else (200, {"errcode": 0, "errmsg": "ok"})
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def robot():
    server = Robot()
    yield server
    server.server.shutdown()


def endpoint(robot, channel, *, audience="unit:1", secret=""):
    return WebhookEndpoint.objects.create(name=f"{channel} 群", audience=audience, channel=channel, url=robot.url,
                                          secret=secret)


def test_dingtalk_signature_is_hmac_sha256_of_timestamp_and_secret():
    url = channels.dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECdemo",
                                       timestamp_ms=1700000000000)

    query = parse_qs(urlsplit(url).query)
    expected = base64.b64encode(hmac.new(b"SECdemo", b"1700000000000\nSECdemo", hashlib.sha256).digest()).decode()
    assert query["access_token"] == ["abc"]
    assert query["timestamp"] == ["1700000000000"]
    assert query["sign"] == [expected]


def test_a_group_message_is_posted_once_per_key_to_each_robot_of_its_audience(
    alice, robot, django_capture_on_commit_callbacks, settings
):
    # given
    settings.TONGXIN_BASE_URL = "https://tongxin.example.gov.cn"
    endpoint(robot, "wecom")
    endpoint(robot, "dingtalk", secret="SECgroup")
    endpoint(robot, "wecom", audience="unit:2")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[alice], key="due-1", title="【黄色督办】签收已逾期", body="请抓紧办理。",
                        link="/proposals/assignments/7/", audiences=["unit:1"])
        services.notify(recipients=[alice], key="due-1", title="【黄色督办】签收已逾期", audiences=["unit:1"])

    # then
    assert Broadcast.objects.count() == 1
    sent = Delivery.objects.filter(broadcast__isnull=False)
    assert sorted(sent.values_list("channel", "status")) == [("dingtalk", "sent"), ("wecom", "sent")]
    assert len(robot.requests) == 2
    by_kind = {request["json"]["msgtype"] and ("title" in request["json"]["markdown"]): request
               for request in robot.requests}
    wecom, dingtalk = by_kind[False], by_kind[True]
    assert wecom["json"]["markdown"]["content"] == (
        "**【黄色督办】签收已逾期**\n\n请抓紧办理。\n\n[查看详情](https://tongxin.example.gov.cn/proposals/assignments/7/)")
    assert dingtalk["json"]["markdown"]["title"] == "【黄色督办】签收已逾期"
    for request in robot.requests:  # the idempotency key reaches the receiver
        pk = request["headers"]["X-Tongxin-Delivery"]
        assert request["headers"]["Idempotency-Key"] == f"tongxin-delivery-{pk}"
    query = parse_qs(urlsplit(dingtalk["path"]).query)
    expected = base64.b64encode(hmac.new(b"SECgroup", f"{query['timestamp'][0]}\nSECgroup".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert "sign" not in wecom["path"]


def test_an_audience_without_robots_creates_no_group_message(alice):
    services.notify(recipients=[alice], key="k", title="标题", audiences=["unit:9"])

    assert not Broadcast.objects.exists()


def test_a_robot_refusal_is_a_failed_attempt_retried_later(alice, robot, django_capture_on_commit_callbacks):
    endpoint(robot, "wecom")
    robot.replies = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    with django_capture_on_commit_callbacks():
        services.notify(recipients=[alice], key="k", title="标题", audiences=["unit:1"], channels=["wecom"])
    row = Delivery.objects.get(channel="wecom")

    with pytest.raises(delivery.DeliveryFailed):
        delivery.deliver_one(delivery_id=row.pk)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.Status.PENDING, 1)
    assert row.last_error == "WebhookRejected: errcode 93000: invalid webhook url"
    assert delivery.deliver_one(delivery_id=row.pk) is True


def test_a_disabled_robot_is_skipped(alice, robot, django_capture_on_commit_callbacks):
    robot_row = endpoint(robot, "wecom")
    with django_capture_on_commit_callbacks():
        services.notify(recipients=[alice], key="k", title="标题", audiences=["unit:1"])
    WebhookEndpoint.objects.filter(pk=robot_row.pk).update(is_active=False)
    row = Delivery.objects.get(channel="wecom")

    assert delivery.deliver_one(delivery_id=row.pk) is False

    row.refresh_from_db()
    assert row.status == Delivery.Status.SKIPPED
    assert robot.requests == []


def test_sms_goes_only_to_those_who_asked_through_the_logging_backend(
    alice, bob, caplog, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=alice, sms=True, mobile="13800001234")

    with caplog.at_level(logging.INFO, logger="notifications.sms"):
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[alice, bob], key="k", title="请签收", link="/proposals/1/")

    assert sorted(Delivery.objects.values_list("notification__recipient__username", "channel")) == [
        ("alice", "email"), ("alice", "sms"), ("bob", "email")]
    sms = Delivery.objects.get(channel="sms")
    assert sms.status == Delivery.Status.SENT
    assert f"SMS tongxin-delivery-{sms.pk} to ******1234: 【同心】请签收 http://localhost:8000/proposals/1/" in caplog.text
    assert "13800001234" not in caplog.text


def test_a_user_who_switched_email_off_gets_no_email(alice, django_capture_on_commit_callbacks):
    Preference.objects.create(user=alice, email=False)

    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify(recipients=[alice], key="k", title="标题")

    assert len(created) == 1  # still in the centre
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_preferences_page_saves_the_users_own_choices(client, alice):
    client.force_login(alice)

    page = client.get(reverse("notifications:preferences"))
    refused = client.post(reverse("notifications:preferences"), {"email": "on", "sms": "on", "mobile": ""})
    saved = client.post(reverse("notifications:preferences"), {"sms": "on", "mobile": "138 0000 1234"})

    assert page.status_code == 200
    assert "接收短信需要填写手机号码。" in refused.content.decode()
    assert saved.status_code == 302
    preference = Preference.objects.get(user=alice)
    assert (preference.email, preference.sms, preference.mobile) == (False, True, "13800001234")


def test_after_a_broker_failure_publishing_pauses_and_the_relay_takes_over(alice, monkeypatch):
    # given a real (not eager) broker that refuses
    calls = []

    def refuse(*args):
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    celery_app.conf.task_always_eager = False  # restored by the eager_celery fixture
    monkeypatch.setattr(tasks.deliver, "delay", refuse)
    monkeypatch.setattr(tasks, "_publish_paused_until", 0.0)

    # when
    tasks.queue_delivery(1)
    tasks.queue_delivery(2)

    # then only the first publish waited on the broker
    assert calls == [(1,)]
    assert tasks._publish_paused_until > 0
