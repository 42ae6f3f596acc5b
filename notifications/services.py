"""Write notifications and their outbox rows; read and mark the in-product centre."""

from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import channels as delivery_channels
from . import tasks
from .models import Broadcast, Delivery, Notification, Preference, WebhookEndpoint


def channels_for(user) -> list[str]:
    """The channels a user's notifications go out on: the one place a per-user preference will plug in."""
    return [channel.name for channel in delivery_channels.all_channels() if channel.available_for(user)]


@transaction.atomic(savepoint=False)
def notify(
    *, recipients, key: str, title: str, body: str = "", link: str = "", channels: list[str] | None = None,
    audiences=(),
) -> list[Notification]:
    """Notify each active recipient once per ``key``; return the notifications this call created.

    Call it inside the caller's transaction: the notification and its outbox rows commit or roll back with the
    change that caused them, and the deliveries are queued only after the commit. A repeated key creates nothing.
    ``channels`` narrows the recipient's own channels; it never reaches a user on a channel they lack.
    ``audiences`` also posts the message, once per key, to the group robots registered for those audiences.
    """
    unknown = set(channels or ()) - set(Delivery.Channel.values)
    if unknown:
        raise ValueError(f"Unknown notification channels: {sorted(unknown)}")
    if audiences:
        _broadcast(audiences=audiences, key=key, title=title, body=body, link=link, channels=channels)
    created_notifications = []
    for user in recipients:
        if not user.is_active:
            continue
        try:
            # Insert first: a new key (the usual case) costs one statement; the unique constraint refuses a repeat.
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=user, key=key, title=str(title)[:200], body=str(body), link=link
                )
        except IntegrityError:
            continue
        created_notifications.append(notification)
        names = channels_for(user)
        if channels is not None:
            names = [name for name in names if name in channels]
        for delivery in Delivery.objects.bulk_create(
            [Delivery(notification=notification, channel=name) for name in names]
        ):
            transaction.on_commit(partial(tasks.queue_delivery, delivery.pk))
    return created_notifications


def _broadcast(*, audiences, key: str, title: str, body: str, link: str, channels: list[str] | None) -> None:
    endpoints = WebhookEndpoint.objects.filter(audience__in=set(audiences), is_active=True)
    if channels is not None:
        endpoints = endpoints.filter(channel__in=channels)
    by_audience: dict[str, list[WebhookEndpoint]] = {}
    for endpoint in endpoints:
        by_audience.setdefault(endpoint.audience, []).append(endpoint)
    for audience, targets in by_audience.items():
        broadcast, created = Broadcast.objects.get_or_create(
            audience=audience, key=key, defaults={"title": str(title)[:200], "body": str(body), "link": link}
        )
        if not created:
            continue
        for delivery in Delivery.objects.bulk_create(
            [Delivery(broadcast=broadcast, endpoint=endpoint, channel=endpoint.channel) for endpoint in targets]
        ):
            transaction.on_commit(partial(tasks.queue_delivery, delivery.pk))


def preference_save(*, user, email: bool, sms: bool, mobile: str) -> None:
    """Save a user's own channel choices (the in-product centre cannot be switched off)."""
    Preference.objects.update_or_create(user=user, defaults={"email": email, "sms": sms, "mobile": mobile.strip()})


def mark_read(*, user, notification_ids=None) -> int:
    """Mark the user's unread notifications read (all of them, or those among ``notification_ids``)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def delivery_resend(*, deliveries: QuerySet[Delivery]) -> int:
    """Give FAILED deliveries a fresh set of attempts and queue them after the commit; return how many."""
    with transaction.atomic():
        # A fresh queryset: an admin changelist's may carry DISTINCT or joins that FOR UPDATE refuses.
        failed = Delivery.objects.filter(pk__in=deliveries.values("pk"), status=Delivery.Status.FAILED)
        ids = list(failed.select_for_update().values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=None)
        for delivery_id in ids:
            transaction.on_commit(partial(tasks.queue_delivery, delivery_id))
    return len(ids)
