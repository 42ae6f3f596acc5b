"""Write notifications and their outbox rows; read and mark the in-product centre."""

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import channels as delivery_channels
from . import tasks
from .models import Broadcast, Delivery, Notification, Preference, WebhookEndpoint


def channels_for(user) -> list[str]:
    """The channels a user's notifications go out on: the one place a per-user preference will plug in."""
    return [channel.name for channel in delivery_channels.all_channels() if channel.available_for(user)]


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
    messages = [Message(key=key, title=title, body=body, link=link, recipient=user) for user in recipients]
    messages += [Message(key=key, title=title, body=body, link=link, audience=audience) for audience in audiences]
    return notify_many(messages, channels=channels)


@dataclass(frozen=True)
class Message:
    """One message of :func:`notify_many`: to a person (``recipient``) or to a group audience (``audience``)."""

    key: str
    title: str
    body: str = ""
    link: str = ""
    recipient: Any = None
    audience: str = ""


@transaction.atomic(savepoint=False)
def notify_many(messages, *, channels: list[str] | None = None) -> list[Notification]:
    """:func:`notify` for a batch of messages, in a fixed number of statements whatever their number.

    Each message goes to its active recipient once per key, or is posted once per key to its audience's group
    robots; a key already sent creates nothing. The notifications are one INSERT, their deliveries another (the
    recipients' preferences read in one query); group messages likewise. Call it inside the caller's transaction.
    """
    unknown = set(channels or ()) - set(Delivery.Channel.values)
    if unknown:
        raise ValueError(f"Unknown notification channels: {sorted(unknown)}")
    personal, seen = [], set()
    for message in messages:
        if message.recipient is not None and message.recipient.is_active and (message.recipient.pk, message.key) not in seen:
            seen.add((message.recipient.pk, message.key))
            personal.append(message)
    group = [message for message in messages if message.audience]
    created = _notify_people(personal, channels=channels) if personal else []
    if group:
        _broadcast_many(group, channels=channels)
    return created


def _notify_people(messages, *, channels) -> list[Notification]:
    created = _insert_unsent([
        Notification(recipient=message.recipient, key=message.key, title=str(message.title)[:200],
                     body=str(message.body), link=message.link)
        for message in messages
    ])
    if not created:
        return []
    _load_preferences([notification.recipient for notification in created])
    deliveries = []
    for notification in created:
        names = channels_for(notification.recipient)
        if channels is not None:
            names = [name for name in names if name in channels]
        deliveries += [Delivery(notification=notification, channel=name) for name in names]
    for delivery in Delivery.objects.bulk_create(deliveries):
        transaction.on_commit(partial(tasks.queue_delivery, delivery.pk))
    return created


# Rows per INSERT: six parameters each stays far below SQLite's limit of 32,766 bound parameters.
_INSERT_CHUNK = 500


def _insert_unsent(notifications: list[Notification]) -> list[Notification]:
    """Insert the notifications whose (recipient, key) was never sent; return those inserted, with their keys.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` per chunk (PostgreSQL, and SQLite from 3.35): the unique
    constraint, not a read before the write, decides what is new, so neither a check query nor a savepoint per
    row is needed and a concurrent sender cannot make the caller's transaction fail. On PostgreSQL the same
    statement also returns each recipient's saved channel preference (a data-modifying ``WITH``, which SQLite
    lacks), so delivering them needs no further read.
    """
    quote = connection.ops.quote_name
    columns = ["recipient_id", "key", "title", "body", "link", "created"]
    now = timezone.now()
    created_value = connection.ops.adapt_datetimefield_value(now)
    by_pair = {(notification.recipient_id, notification.key): notification for notification in notifications}
    pairs = list(by_pair)
    with_preferences = connection.vendor == "postgresql"
    preference_fields = ["id", "user_id", "email", "sms", "mobile"]
    inserted = []
    for start in range(0, len(pairs), _INSERT_CHUNK):
        chunk = [by_pair[pair] for pair in pairs[start:start + _INSERT_CHUNK]]
        row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        # Identifiers come from the models and every value is a bound parameter.
        statement = (
            f"INSERT INTO {quote(Notification._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # nosec B608
            f"VALUES {', '.join([row] * len(chunk))} "
            f"ON CONFLICT ({quote('recipient_id')}, {quote('key')}) DO NOTHING "
            f"RETURNING {quote('id')}, {quote('recipient_id')}, {quote('key')}"
        )
        if with_preferences:
            statement = (
                f"WITH inserted AS ({statement}) SELECT inserted.*, "  # nosec B608
                + ", ".join(f"pref.{quote(name)}" for name in preference_fields)
                + f" FROM inserted LEFT JOIN {quote(Preference._meta.db_table)} pref"
                f" ON pref.{quote('user_id')} = inserted.{quote('recipient_id')}"
            )
        parameters = []
        for notification in chunk:
            parameters += [notification.recipient_id, notification.key, notification.title, notification.body,
                           notification.link, created_value]
        with connection.cursor() as cursor:
            cursor.execute(statement, parameters)
            returned = cursor.fetchall()
        for pk, recipient_id, key, *preference in returned:
            notification = by_pair[(recipient_id, key)]
            notification.pk, notification.created = pk, now
            notification._state.adding = False
            inserted.append(notification)
            if with_preferences and getattr(notification.recipient, "_notification_preference", None) is None:
                saved = preference[0] is not None
                found = Preference.from_db(connection.alias, preference_fields, preference) if saved else Preference()
                found.user = notification.recipient
                notification.recipient._notification_preference = found
    return inserted


def _load_preferences(users) -> None:
    """Read the saved channel preferences of many users in one query (``channels.preference_for`` caches them)."""
    missing = {user.pk: user for user in users if getattr(user, "_notification_preference", None) is None}
    if not missing:
        return
    saved = {preference.user_id: preference for preference in Preference.objects.filter(user_id__in=missing)}
    for user_id, user in missing.items():
        user._notification_preference = saved.get(user_id) or Preference(user=user)


def _broadcast_many(messages, *, channels) -> None:
    endpoints = WebhookEndpoint.objects.filter(audience__in={message.audience for message in messages},
                                               is_active=True)
    if channels is not None:
        endpoints = endpoints.filter(channel__in=channels)
    by_audience: dict[str, list[WebhookEndpoint]] = {}
    for endpoint in endpoints:
        by_audience.setdefault(endpoint.audience, []).append(endpoint)
    messages = [message for message in messages if message.audience in by_audience]
    if not messages:
        return
    posted = set(Broadcast.objects.filter(audience__in=by_audience, key__in={message.key for message in messages})
                 .values_list("audience", "key"))
    fresh = {}
    for message in messages:
        fresh.setdefault((message.audience, message.key), message)
    fresh = [message for pair, message in fresh.items() if pair not in posted]
    if not fresh:
        return
    created = Broadcast.objects.bulk_create([
        Broadcast(audience=message.audience, key=message.key, title=str(message.title)[:200], body=str(message.body),
                  link=message.link)
        for message in fresh
    ])
    deliveries = [Delivery(broadcast=broadcast, endpoint=endpoint, channel=endpoint.channel)
                  for broadcast in created for endpoint in by_audience[broadcast.audience]]
    for delivery in Delivery.objects.bulk_create(deliveries):
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
