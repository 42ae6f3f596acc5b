"""Delivery channels: each one sends a Delivery's copy of a message out of the system.

A channel is registered under its ``Delivery.Channel`` value. E-mail and SMS reach a person (their
:meth:`Channel.available_for` reads the address and the person's preference); the WeCom and DingTalk group
robots reach an audience's work group, never a person. Every send carries the delivery's id as an idempotency
key (Message-ID, webhook header), so a receiver can drop the copy that a crash between sending and recording
the success causes.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.request
from email.utils import parseaddr
from urllib.parse import quote_plus

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from . import sms
from .models import Delivery, Preference


class Channel:
    name: str

    def available_for(self, user) -> bool:
        """Whether the user can be reached on this channel at all."""
        raise NotImplementedError

    def send(self, delivery: Delivery) -> None:
        """Send one delivery, raising on any failure (the caller counts it and retries)."""
        raise NotImplementedError


_registry: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    _registry[channel.name] = channel
    return channel


def get(name: str) -> Channel:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(_("未配置通知渠道“%(name)s”。") % {"name": name}) from None


def all_channels() -> list[Channel]:
    return list(_registry.values())


def base_url() -> str:
    """The site's public address, for links in messages that leave the site."""
    return settings.TONGXIN_BASE_URL


def absolute_link(link: str) -> str:
    if link.startswith("/"):
        return base_url().rstrip("/") + link
    return link


def preference_for(user) -> Preference:
    """The user's saved preference, or the defaults; read once per user object."""
    cached = getattr(user, "_notification_preference", None)
    if cached is None:
        cached = Preference.objects.filter(user=user).first() or Preference(user=user)
        user._notification_preference = cached
    return cached


def idempotency_key(delivery: Delivery) -> str:
    return f"tongxin-delivery-{delivery.pk}"


class EmailChannel(Channel):
    name = Delivery.Channel.EMAIL

    def available_for(self, user) -> bool:
        return bool(user.email) and preference_for(user).email

    def send(self, delivery: Delivery) -> None:
        notification = delivery.notification
        body = notification.body
        if notification.link:
            body = f"{body}\n\n{absolute_link(notification.link)}".lstrip()
        # A fixed Message-ID per delivery lets mail servers and clients drop the copy a redelivery sends.
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        EmailMessage(
            subject=" ".join(notification.title.splitlines()),  # a header may not contain line breaks
            body=body,
            to=[notification.recipient.email],
            headers={
                "Message-ID": f"<tongxin-delivery-{delivery.pk}@{domain}>",
                "X-Tongxin-Delivery": str(delivery.pk),
            },
        ).send()


class SmsChannel(Channel):
    """Text messages through the configured adapter (``TONGXIN_SMS_BACKEND``); only to those who asked for them."""

    name = Delivery.Channel.SMS
    MAX_LENGTH = 200

    def available_for(self, user) -> bool:
        preference = preference_for(user)
        return preference.sms and bool(preference.mobile)

    def send(self, delivery: Delivery) -> None:
        notification = delivery.notification
        text = _("【同心】%(title)s") % {"title": notification.title}
        if notification.link:
            text = f"{text} {absolute_link(notification.link)}"
        sms.backend().send(mobile=preference_for(notification.recipient).mobile, text=text[: self.MAX_LENGTH],
                           message_id=idempotency_key(delivery))


class WebhookRejected(Exception):
    """The robot answered, but refused the message (bad key, wrong signature, rate limit)."""


def post_json(*, url: str, payload: dict, delivery: Delivery) -> dict:
    """POST ``payload`` to a robot and return its reply; raise unless the robot says errcode 0."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Tongxin-Delivery": str(delivery.pk),
            "Idempotency-Key": idempotency_key(delivery),
        },
    )
    # The URL is a WebhookEndpoint.url (URLField: http, https, ftp, ftps only; never file:), set in admin.
    with urllib.request.urlopen(request, timeout=settings.TONGXIN_WEBHOOK_TIMEOUT) as response:  # nosec B310
        reply = json.loads(response.read() or b"{}")
    if reply.get("errcode", 0) != 0:
        raise WebhookRejected(f"errcode {reply.get('errcode')}: {reply.get('errmsg', '')}"[:500])
    return reply


def markdown(delivery: Delivery, *, limit: int) -> tuple[str, str]:
    """The group message as a title and Markdown text with a link back, cut to the platform's limit."""
    message = delivery.message
    text = f"**{message.title}**\n\n{message.body}".strip()
    if message.link:
        details = _("查看详情")
        text = f"{text}\n\n[{details}]({absolute_link(message.link)})"
    return message.title, text[:limit]


class RobotChannel(Channel):
    """A group robot: it posts an audience's group messages, and reaches no person by their own address."""

    def available_for(self, user) -> bool:
        return False


class WeComRobotChannel(RobotChannel):
    """企业微信群机器人: the key is part of the URL; the platform signs nothing."""

    name = Delivery.Channel.WECOM
    MAX_BYTES = 4096

    def send(self, delivery: Delivery) -> None:
        _title, text = markdown(delivery, limit=self.MAX_BYTES // 3)  # the limit is in UTF-8 bytes
        post_json(url=delivery.endpoint.url, payload={"msgtype": "markdown", "markdown": {"content": text}},
                  delivery=delivery)


def dingtalk_signed_url(url: str, secret: str, *, timestamp_ms: int) -> str:
    """钉钉加签: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, Base64, URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={quote_plus(base64.b64encode(digest))}"


class DingTalkRobotChannel(RobotChannel):
    """钉钉群机器人: signed with the endpoint's secret when it has one (the 加签 security setting)."""

    name = Delivery.Channel.DINGTALK
    MAX_CHARS = 5000

    def send(self, delivery: Delivery) -> None:
        endpoint = delivery.endpoint
        url = endpoint.url
        if endpoint.secret:
            url = dingtalk_signed_url(url, endpoint.secret, timestamp_ms=int(time.time() * 1000))
        title, text = markdown(delivery, limit=self.MAX_CHARS)
        post_json(url=url, payload={"msgtype": "markdown", "markdown": {"title": title, "text": text}},
                  delivery=delivery)


register(EmailChannel())
register(SmsChannel())
register(WeComRobotChannel())
register(DingTalkRobotChannel())
