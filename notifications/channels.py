"""Delivery channels: each one sends a Delivery's copy of a notification out of the system.

A channel is registered under its ``Delivery.Channel`` value. WeCom, DingTalk and SMS plug in here later,
each with its own :meth:`Channel.available_for` (does this user have an address on it?).
"""

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from .models import Delivery


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


class EmailChannel(Channel):
    name = Delivery.Channel.EMAIL

    def available_for(self, user) -> bool:
        return bool(user.email)

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


register(EmailChannel())
