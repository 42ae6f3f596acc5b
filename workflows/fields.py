"""Personal data encrypted at rest: django-fernet-encrypted-fields' field API under Tongxin's own keys.

The library derives its Fernet keys from ``SECRET_KEY`` (and ``SECRET_KEY_FALLBACKS``) with ``SALT_KEY``, and
passes a value no key opens through unchanged. Here the keys come from ``settings.TONGXIN_FIELD_KEYS`` (Fernet keys;
the first encrypts, every one decrypts, through ``cryptography``'s MultiFernet), so rotating ``SECRET_KEY`` never
touches stored data, and a value no configured key opens raises :class:`UndecryptableValue` instead of showing
ciphertext as if it were the value.

An encrypted column holds a fresh token per write (random IV), so the database cannot compare, search or sort it:
lookups other than ``isnull`` fail loudly (:meth:`EncryptedFieldMixin.get_lookup`). Exact searches go through a
keyed hash kept beside the value (``nomination.identity.keyed_hash``). Blank values stay blank (not encrypted), so
"has a phone number" remains visible, and the columns keep their NOT NULL.

:func:`rewrite_column` re-encrypts (or, for a reverse migration, decrypts) one column in batches with raw SQL; the
data migrations and ``manage.py rotate_field_keys`` use it.
"""

import binascii
import functools
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models, transaction
from encrypted_fields import fields as library

ALLOWED_LOOKUPS = frozenset({"isnull"})


class UndecryptableValue(Exception):
    """A stored value that none of TONGXIN_FIELD_KEYS opens: a missing old key, or a tampered column."""


def key_list() -> tuple[str, ...]:
    keys = settings.TONGXIN_FIELD_KEYS
    keys = tuple(k.strip() for k in (keys.split(",") if isinstance(keys, str) else keys) if k.strip())
    if not keys:
        raise ImproperlyConfigured("TONGXIN_FIELD_KEYS is empty: personal data cannot be encrypted or read.")
    return keys


@functools.lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    try:
        return tuple(Fernet(key) for key in keys)
    except (ValueError, binascii.Error) as error:
        raise ImproperlyConfigured(
            "TONGXIN_FIELD_KEYS must be comma-separated Fernet keys (32 url-safe base64-encoded bytes each)."
        ) from error


def current() -> Fernet:
    """The key that encrypts: the first of TONGXIN_FIELD_KEYS."""
    return _fernets(key_list())[0]


def multi() -> MultiFernet:
    """Encrypt under the first key, decrypt under any."""
    return MultiFernet(list(_fernets(key_list())))


def encrypt(value: str) -> str:
    return multi().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The clear value of a stored token; :class:`UndecryptableValue` when no configured key opens it."""
    try:
        return multi().decrypt(token.encode()).decode()
    except (InvalidToken, UnicodeError):
        raise UndecryptableValue(
            "A stored value cannot be decrypted with any key of TONGXIN_FIELD_KEYS (a key missing from the list, "
            "or a changed column). Restore the old key as a later entry of the list."
        ) from None


def is_current(value: str) -> bool:
    """True when ``value`` opens under the current key itself (nothing left to rotate)."""
    try:
        current().decrypt(value.encode())
    except (InvalidToken, UnicodeError):
        return False
    return True


class EncryptedFieldMixin(library.EncryptedFieldMixin):
    """The library's field with TONGXIN_FIELD_KEYS, blank kept blank, strict decryption and no database lookups."""

    # Properties, not the library's cached_property: the keys are read from settings on use (tests and a
    # rotation may change them), and the Fernet objects are cached per key list in ``_fernets``.
    @property
    def keys(self) -> list[bytes]:
        return [key.encode() for key in key_list()]

    @property
    def f(self) -> MultiFernet:
        return multi()

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        return super().get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        # Straight to decrypt, not through the library's to_python: that one lets an undecryptable value through as
        # if it were clear text, and skips decryption while any thread is inside ``clean`` (a flag on the field).
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in ALLOWED_LOOKUPS:
            raise FieldError(
                "%s is encrypted: the database cannot filter it with %r. Use its keyed hash, or filter in Python."
                % (self.name, lookup_name)
            )
        return super().get_lookup(lookup_name)


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A CharField stored encrypted (a text column: the token is longer than ``max_length``, which still bounds
    the clear value in forms and ``full_clean``)."""


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    pass


def is_encrypted(field) -> bool:
    """True for a model field stored encrypted (e.g. for an audit diff that must not copy its clear value)."""
    return isinstance(field, EncryptedFieldMixin)


def encrypted_columns() -> Iterator[tuple[type[models.Model], models.Field]]:
    """Every encrypted column of the installed models, in a fixed order."""
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        for field in model._meta.concrete_fields:
            if is_encrypted(field):
                yield model, field


@dataclass
class ColumnReport:
    table: str
    column: str
    rows: int = 0
    changed: int = 0


def rewrite_column(connection, table: str, column: str, transform: Callable[[str], str | None], *, pk: str = "id",
                   batch: int = 500, atomic_batches: bool = False,
                   progress: Callable[[ColumnReport], None] | None = None) -> ColumnReport:
    """Apply ``transform`` to every non-blank value of one column, ``batch`` rows at a time, in primary-key order.

    ``transform`` returns the new value, or None to leave the row alone (this makes every use idempotent and a
    stopped run resumable). Each UPDATE names the old value too, so a row the application changed meanwhile is
    left as the application wrote it. With ``atomic_batches`` each batch commits on its own (a command); a
    migration runs inside its own transaction instead.
    """
    # Identifiers come from model metadata and are quoted; values are always query parameters.
    quote = connection.ops.quote_name
    select = "SELECT {pk}, {col} FROM {table} WHERE {pk} > %s AND {col} IS NOT NULL AND {col} <> '' " \
             "ORDER BY {pk} LIMIT %s".format(pk=quote(pk), col=quote(column), table=quote(table))  # nosec B608
    update = "UPDATE {table} SET {col} = %s WHERE {pk} = %s AND {col} = %s".format(  # nosec B608
        pk=quote(pk), col=quote(column), table=quote(table))
    report = ColumnReport(table=table, column=column)
    last = 0
    while True:
        with transaction.atomic(using=connection.alias) if atomic_batches else nullcontext():
            with connection.cursor() as cursor:
                cursor.execute(select, [last, batch])
                rows = cursor.fetchall()
                for row_pk, value in rows:
                    new = transform(value)
                    if new is not None and new != value:
                        cursor.execute(update, [new, row_pk, value])
                        report.changed += cursor.rowcount
        if not rows:
            break
        last = rows[-1][0]
        report.rows += len(rows)
        if progress:
            progress(report)
    return report


def looks_like_token(value: str) -> bool:
    """A Fernet token's shape (version byte 0x80, then a timestamp of this century): no phone or address has it."""
    return value.startswith("gAAAAA") and len(value) >= 100


def encrypt_clear(value: str) -> str | None:
    """For the data migrations: a clear value's token; None for one already encrypted under a configured key."""
    if looks_like_token(value):
        decrypt(value)  # a token of an unknown key raises UndecryptableValue rather than being encrypted twice
        return None
    return encrypt(value)


def decrypt_token(value: str) -> str | None:
    """For the reverse migrations: a token's clear value; None for a value already clear."""
    return decrypt(value) if looks_like_token(value) else None


def rotate_token(value: str) -> str | None:
    """For rotation: the token under the current key; None when it is already under it."""
    if is_current(value):
        return None
    if not looks_like_token(value):
        return encrypt(value)  # clear text left by an interrupted upgrade
    decrypt(value)  # a token of a key no longer listed raises UndecryptableValue
    return multi().rotate(value.encode()).decode()


def column_migration(app_label: str, model_name: str, field_names: tuple[str, ...]):
    """The forward and reverse functions of a data migration that encrypts ``field_names`` of one model in place."""

    def _run(apps_registry, schema_editor, transform):
        model = apps_registry.get_model(app_label, model_name)
        for name in field_names:
            column = model._meta.get_field(name).column
            rewrite_column(schema_editor.connection, model._meta.db_table, column, transform,
                           pk=model._meta.pk.column)
        if schema_editor.connection.vendor == "postgresql":
            # The updates leave deferred foreign-key checks pending, and PostgreSQL refuses the ALTER TABLE that
            # follows in the same transaction (the reverse migration's) until they have run.
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def forward(apps_registry, schema_editor):
        _run(apps_registry, schema_editor, encrypt_clear)

    def backward(apps_registry, schema_editor):
        _run(apps_registry, schema_editor, decrypt_token)

    return forward, backward
